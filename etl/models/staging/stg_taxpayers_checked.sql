-- ephemeral
-- grain: one row per data row of taxpayers.*, with its reject reason and pre-conversion position issue
-- taxpayer_id is normalised before the duplicate check (docs/etl-rules.md, Identifiers): every whitespace
-- removed (inner, no-break, full-width), full-width digits and letters made half-width, upper case;
-- taxpayer_id_raw keeps it as read. The fast branch leaves the usual plain upper-case ASCII id alone.
with source as (select * from raw_taxpayers),
coord_sys as (select value, canonical from ref_values where kind = 'coord_sys'),
keyed as (
    select
        * replace (norm_id(taxpayer_id) as taxpayer_id),
        taxpayer_id as taxpayer_id_raw
    from source
),
identity as (
    select
        *,
        case
            when _malformed then 'malformed_row'
            when taxpayer_id is null then 'missing_key'
            when name is null then 'missing_name'
        end as identity_reject,
        try_cast(lng as double) as lng_written,
        try_cast(lat as double) as lat_written
    from keyed
),
-- Swapped 经度/纬度 columns (a file-level habit): when most positions fall near the region only as
-- (lat, lng), every position of the file is read that way (quality issue lng_lat_swapped).
bounds as (
    select st_xmin(geom) - 0.5 as x0, st_xmax(geom) + 0.5 as x1, st_ymin(geom) - 0.5 as y0, st_ymax(geom) + 0.5 as y1
    from stg_region
),
votes as (
    select
        count(*) filter (where lng_written between x0 and x1 and lat_written between y0 and y1) as fits,
        count(*) filter (where lat_written between x0 and x1 and lng_written between y0 and y1) as fits_swapped,
        count(*) filter (where isfinite(lng_written) and isfinite(lat_written)) as numeric
    from identity cross join bounds
),
orientation as (
    select coalesce(fits_swapped > fits and fits_swapped * 2 > numeric, false) as file_swapped from votes
),
ranked as (
    select _row, row_number() over (partition by taxpayer_id order by _row) as key_rank
    from identity
    where identity_reject is null
),
parsed as (
    select
        identity.*,
        coalesce(identity_reject, case when ranked.key_rank > 1 then 'duplicate_key' end) as reject_reason,
        case when orientation.file_swapped then lat_written else lng_written end as lng_num,
        case when orientation.file_swapped then lng_written else lat_written end as lat_num,
        orientation.file_swapped and identity.lng is not null and identity.lat is not null as position_swapped,
        coord_sys.canonical as coord_sys_name
    from identity
    cross join orientation
    left join ranked using (_row)
    left join coord_sys
        on coord_sys.value = norm_coord_sys(coalesce(identity.coord_sys, getvariable('default_coord_sys')))
),
final as (
    select
        * exclude (lng_written, lat_written),
        -- A file without position columns has nothing to repair.
        case when getvariable('taxpayers_have_position')
            then position_issue(lng, lat, lng_num, lat_num, coord_sys_name)
        end as position_issue
    from parsed
)
select * from final
