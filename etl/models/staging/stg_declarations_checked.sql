-- ephemeral
-- grain: one row per data row of declarations.*, with its reject reason
with source as (select * from raw_declarations),
identity as (
    select
        *,
        parse_period(period) as period_parsed,
        case
            when _malformed then 'malformed_row'
            when taxpayer_id is null or period is null or tax_type is null then 'missing_key'
            when parse_period(period) is null then 'period_invalid'
        end as identity_reject
    from source
),
ranked as (
    select _row, row_number() over (partition by taxpayer_id, period_parsed, tax_type order by _row) as key_rank
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
