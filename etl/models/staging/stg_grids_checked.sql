-- ephemeral
-- grain: one row per feature of grids.geojson, with its reject reason and issues
with source as (select * from raw_grids),
geo as (select * from geo_grids),
streets as (select street_code, geom from stg_streets),
identity as (
    select
        source.*,
        geo.geom_wkb,
        geo.geom_status,
        case when source.grid_code is null then 'missing_key' end as identity_reject
    from source
    left join geo using (_row)
),
ranked as (
    select _row, row_number() over (partition by grid_code order by _row) as key_rank
    from identity
    where identity_reject is null
),
screened as (
    select
        identity.*,
        coalesce(
            identity_reject,
            case
                when ranked.key_rank > 1 then 'duplicate_key'
                when geom_status = 'invalid' then 'geometry_invalid'
            end
        ) as reject_reason
    from identity
    left join ranked using (_row)
),
-- A grid whose street_code is missing or unknown belongs to the street holding its interior point.
inferred as (
    select screened._row, min(streets.street_code) as street_code
    from screened
    join streets on st_contains(streets.geom, st_pointonsurface(st_geomfromwkb(screened.geom_wkb)))
    where screened.reject_reason is null
    group by screened._row
),
final as (
    select
        screened.* exclude (street_code),
        screened.street_code as street_code_raw,
        case when known.street_code is not null then known.street_code else inferred.street_code end as street_code,
        list_filter([
            case when geom_status = 'repaired' then 'geometry_repaired' end,
            case when known.street_code is null then 'street_code_unknown' end
        ], x -> x is not null) as issues
    from screened
    left join streets as known on known.street_code = screened.street_code
    left join inferred using (_row)
)
select * from final
