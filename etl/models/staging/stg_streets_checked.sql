-- ephemeral
-- grain: one row per feature of streets.geojson, with its reject reason and issues
with source as (select * from raw_streets),
geo as (select * from geo_streets),
identity as (
    select
        source.*,
        geo.geom_wkb,
        geo.geom_status,
        case
            when source.street_code is null then 'missing_key'
            when source.street_name is null then 'missing_name'
        end as identity_reject
    from source
    left join geo using (_row)
),
ranked as (
    select _row, row_number() over (partition by street_code order by _row) as key_rank
    from identity
    where identity_reject is null
),
final as (
    select
        identity.*,
        coalesce(
            identity_reject,
            case
                when ranked.key_rank > 1 then 'duplicate_key'
                when geom_status = 'invalid' then 'geometry_invalid'
            end
        ) as reject_reason,
        case when geom_status = 'repaired' then ['geometry_repaired'] else []::varchar[] end as issues
    from identity
    left join ranked using (_row)
)
select * from final
