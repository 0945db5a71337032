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
        end as identity_reject
    from source
),
ranked as (
    select _row, row_number() over (partition by record_id order by _row) as key_rank
    from identity
    where identity_reject is null
),
parsed as (
    select
        identity.*,
        coalesce(identity_reject, case when ranked.key_rank > 1 then 'duplicate_key' end) as identity_reason,
        try_cast(identity.lng as double) as lng_num,
        try_cast(identity.lat as double) as lat_num,
        coord_sys.canonical as coord_sys_name
    from identity
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
