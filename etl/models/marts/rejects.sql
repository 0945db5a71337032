-- grain: one row per rejected input row (data contract: rejects)
-- unique: source, row_number
-- not_null: source, row_number, reason, detail, raw
with streets as (
    select 'streets' as source, checked._row, checked.street_code as record_key, checked.reject_reason,
        to_json(raw_streets) as raw
    from stg_streets_checked as checked join raw_streets using (_row)
    where checked.reject_reason is not null
),
grids as (
    select 'grids' as source, checked._row, checked.grid_code, checked.reject_reason, to_json(raw_grids)
    from stg_grids_checked as checked join raw_grids using (_row)
    where checked.reject_reason is not null
),
taxpayers as (
    -- the key as written (data contract), not as normalised (id_normalised)
    select 'taxpayers' as source, checked._row, checked.taxpayer_id_raw, checked.reject_reason, to_json(raw_taxpayers)
    from stg_taxpayers_checked as checked join raw_taxpayers using (_row)
    where checked.reject_reason is not null
),
grid_units as (
    select 'grid_units' as source, screened._row, screened.record_id, screened.reject_reason, to_json(raw_grid_units)
    from stg_grid_units_screened as screened join raw_grid_units using (_row)
    where screened.reject_reason is not null
),
declarations as (
    select 'declarations' as source, _row, raw ->> 'taxpayer_id', reject_reason, raw
    from stg_declarations_checked
    where reject_reason is not null
),
officers as (
    select 'officers' as source, checked._row, checked.officer_id, checked.reject_reason, to_json(raw_officers)
    from stg_officers_checked as checked join raw_officers using (_row)
    where checked.reject_reason is not null
),
task_results as (
    select 'task_results' as source, checked._row, coalesce(checked.record_id, checked.taxpayer_id),
        checked.reject_reason, to_json(raw_task_results)
    from stg_task_results_checked as checked join raw_task_results using (_row)
    where checked.reject_reason is not null
),
unioned as (
    select * from streets
    union all select * from grids
    union all select * from taxpayers
    union all select * from grid_units
    union all select * from declarations
    union all select * from officers
    union all select * from task_results
),
reasons as (select value, canonical from ref_values where kind = 'reject_reason'),
final as (
    select
        unioned.source,
        unioned._row as row_number,
        coalesce(unioned.record_key, '') as record_key,
        unioned.reject_reason as reason,
        reasons.canonical as detail,
        unioned.raw
    from unioned
    left join reasons on reasons.value = unioned.reject_reason
)
select * from final order by source, row_number
