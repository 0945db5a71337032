-- ephemeral
-- grain: one row per data row of task_results.*, parsed, with its reject reason (docs/task-results.md)
with source as (
    -- taxpayer_id normalised as in stg_taxpayers_checked, so that it names a staged taxpayer
    select
        * replace (norm_id(taxpayer_id) as taxpayer_id),
        taxpayer_id as taxpayer_id_raw
    from raw_task_results
),
codes as (select value, canonical from ref_values where kind = 'task_result'),
parsed as (
    select
        source.*,
        codes.canonical as result_code,
        parse_timestamp(source.verified_at) as verified_ts
    from source
    -- English codes in any case, with '-' or ' ' for '_'; the Chinese words as written
    left join codes on codes.value = lower(replace(replace(source.result, '-', '_'), ' ', '_'))
),
final as (
    select
        *,
        case
            when _malformed then 'malformed_row'
            when record_id is null and taxpayer_id is null then 'missing_key'
            when result_code is null then 'result_unknown'
            when verified_ts is null then 'verified_at_unparseable'
        end as reject_reason
    from parsed
)
select * from final
