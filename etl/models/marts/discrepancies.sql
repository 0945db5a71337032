-- grain: one row per discrepancy between the grid survey and the registrations (data contract: discrepancies)
-- unique: kind, taxpayer_id, record_id
-- not_null: kind, detail, lng, lat
-- accepted: kind in ('unregistered', 'not_found', 'address_mismatch', 'status_conflict')
-- accepted: (kind = 'unregistered') = (taxpayer_id is null) and (kind = 'not_found') = (record_id is null)
-- The definitions are in int_discrepancies; those a verified result resolves (docs/task-results.md) are
-- left out here and listed in discrepancies_resolved instead.
with raised as (select * from int_discrepancies where not resolved),
final as (
    select kind, taxpayer_id, record_id, lng, lat, street_code, grid_code, detail
    from raised
)
select * from final order by kind, coalesce(record_id, ''), coalesce(taxpayer_id, '')
