-- ephemeral
-- grain: one row per data row of grid_units.*, with its identity reject and pre-conversion position issue
with source as (select * from raw_grid_units),
coord_sys as (select value, canonical from ref_values where kind = 'coord_sys'),
identity as (
    select
        *,
        case
            when _malformed then 'malformed_row'
            when record_id is null then 'missing_key'
            when unit_name is null then 'missing_name'
        end as identity_reject,
        try_cast(lng as double) as lng_written,
        try_cast(lat as double) as lat_written
    from source
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
    select _row, row_number() over (partition by record_id order by _row) as key_rank
    from identity
    where identity_reject is null
),
parsed as (
    select
        identity.* exclude (lng_written, lat_written),
        coalesce(identity_reject, case when ranked.key_rank > 1 then 'duplicate_key' end) as identity_reason,
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
positioned as (
    select *, position_issue(lng, lat, lng_num, lat_num, coord_sys_name) as position_issue
    from parsed
),
final as (
    select *, coalesce(identity_reason, position_issue) as reject_reason
    from positioned
)
select * from final
