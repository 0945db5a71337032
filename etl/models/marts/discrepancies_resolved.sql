-- grain: one row per discrepancy the survey raises that a verified result resolves (docs/task-results.md): left out of discrepancies, listed here with that result
-- unique: kind, taxpayer_id, record_id
-- not_null: kind, result, result_code, verified_at, detail, resolution, lng, lat
-- accepted: kind in ('unregistered', 'not_found', 'address_mismatch', 'status_conflict')
-- accepted: (kind = 'unregistered') = (taxpayer_id is null) and (kind = 'not_found') = (record_id is null)
with resolved as (select * from int_discrepancies where resolved),
final as (
    select
        kind, taxpayer_id, record_id, result, verified_at, task_id, officer_id,
        detail,
        result_code, note, result_row,
        '已于 ' || case when verified_at = date_trunc('day', verified_at) then strftime(verified_at, '%Y-%m-%d')
                        else strftime(verified_at, '%Y-%m-%d %H:%M') end
            || ' 核查为「' || result || '」'
            || coalesce('（任务 ' || task_id || '）', '') || coalesce('，核查人员 ' || officer_id, '') as resolution,
        lng, lat, street_code, grid_code
    from resolved
)
select * from final order by kind, coalesce(record_id, ''), coalesce(taxpayer_id, '')
