-- ephemeral
-- grain: one row per data row of taxpayers.*, with its reject reason and pre-conversion position issue
with source as (select * from raw_taxpayers),
coord_sys as (select value, canonical from ref_values where kind = 'coord_sys'),
identity as (
    select
        *,
        case
            when _malformed then 'malformed_row'
            when taxpayer_id is null then 'missing_key'
            when name is null then 'missing_name'
        end as identity_reject
    from source
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
        try_cast(identity.lng as double) as lng_num,
        try_cast(identity.lat as double) as lat_num,
        coord_sys.canonical as coord_sys_name
    from identity
    left join ranked using (_row)
    left join coord_sys
        on coord_sys.value = norm_coord_sys(coalesce(identity.coord_sys, getvariable('default_coord_sys')))
),
final as (
    select
        *,
        -- A file without position columns has nothing to repair.
        case when getvariable('taxpayers_have_position')
            then position_issue(lng, lat, lng_num, lat_num, coord_sys_name)
        end as position_issue
    from parsed
)
select * from final
