-- grain: one row per staged grid unit whose link is fixed before matching: an officer verified it (task_results), or its uscc equals a staged taxpayer_id
-- unique: record_id
-- not_null: record_id, taxpayer_id, method
-- accepted: method in ('verified', 'uscc')
with units as (select record_id, uscc from stg_grid_units),
taxpayers as (select taxpayer_id from stg_taxpayers),
linking as (select value from ref_values where kind = 'task_result_links'),
-- per unit, the most recent result that names it together with a taxpayer (docs/task-results.md)
pair_results as (
    select record_id, taxpayer_id, result_code
    from stg_task_results
    where is_latest and record_id is not null and taxpayer_id is not null
    qualify row_number() over (partition by record_id order by verified_at desc, source_row desc) = 1
),
by_verification as (
    select pair_results.record_id, pair_results.taxpayer_id, 'verified' as method
    from pair_results
    join units using (record_id)
    join taxpayers using (taxpayer_id)
    where pair_results.result_code in (select value from linking)
),
by_uscc as (
    select units.record_id, taxpayers.taxpayer_id, 'uscc' as method
    from units
    join taxpayers on taxpayers.taxpayer_id = units.uscc
    where units.record_id not in (select record_id from by_verification)
),
final as (
    select * from by_verification
    union all select * from by_uscc
)
select * from final order by record_id
