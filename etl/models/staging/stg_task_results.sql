-- grain: one row per staged verification result of the task store (docs/task-results.md)
-- unique: source_row
-- not_null: result, result_code, verified_at, source_row, is_latest
-- accepted: record_id is not null or taxpayer_id is not null
-- Every staged result is kept, for the history; only the latest per (record_id, taxpayer_id) has
-- is_latest and is used by int_unit_links_fixed and int_discrepancies.
with checked as (select * from stg_task_results_checked where reject_reason is null),
units as (select record_id from stg_grid_units),
taxpayers as (select taxpayer_id from stg_taxpayers),
words as (select value, canonical from ref_values where kind = 'task_result_word'),
final as (
    select
        checked.task_id,
        checked.record_id,
        checked.taxpayer_id,
        checked.taxpayer_id_raw,
        words.canonical as result,
        checked.result_code,
        checked.result as result_raw,
        checked.verified_ts as verified_at,
        checked.verified_at as verified_at_raw,
        checked.officer_id,
        checked.note,
        checked._row as source_row,
        row_number() over (partition by checked.record_id, checked.taxpayer_id
                           order by checked.verified_ts desc, checked._row desc) = 1 as is_latest,
        list_filter([
            case when checked.taxpayer_id is distinct from checked.taxpayer_id_raw then 'id_normalised' end,
            case when checked.record_id is not null
                      and checked.record_id not in (select record_id from units) then 'record_unknown' end,
            case when checked.taxpayer_id is not null
                      and checked.taxpayer_id not in (select taxpayer_id from taxpayers) then 'taxpayer_unknown' end
        ], x -> x is not null) as quality_issues
    from checked
    join words on words.value = checked.result_code
)
select * from final order by source_row
