-- ephemeral
-- grain: one row per data row of officers.*, with its reject reason
with source as (select * from raw_officers),
identity as (
    select
        *,
        case
            when _malformed then 'malformed_row'
            when officer_id is null then 'missing_key'
            when name is null then 'missing_name'
        end as identity_reject
    from source
),
ranked as (
    select _row, row_number() over (partition by officer_id order by _row) as key_rank
    from identity
    where identity_reject is null
),
final as (
    select
        identity.*,
        coalesce(identity_reject, case when ranked.key_rank > 1 then 'duplicate_key' end) as reject_reason
    from identity
    left join ranked using (_row)
)
select * from final
