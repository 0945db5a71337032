-- grain: one row per staged grid unit: what the map aggregates on the fly
-- unique: record_id
-- not_null: record_id, h3_7, h3_8, h3_9, h3_10, linked, unregistered, address_mismatch, status_conflict
with units as (select * from stg_grid_units),
links as (select record_id from unit_links where method <> 'none'),
kinds as (
    select
        record_id,
        bool_or(kind = 'unregistered') as unregistered,
        bool_or(kind = 'address_mismatch') as address_mismatch,
        bool_or(kind = 'status_conflict') as status_conflict
    from discrepancies
    where record_id is not null
    group by record_id
),
final as (
    select
        units.record_id,
        units.h3_7, units.h3_8, units.h3_9, units.h3_10,
        units.street_code,
        units.grid_code,
        links.record_id is not null as linked,
        coalesce(kinds.unregistered, false) as unregistered,
        coalesce(kinds.address_mismatch, false) as address_mismatch,
        coalesce(kinds.status_conflict, false) as status_conflict
    from units
    left join links using (record_id)
    left join kinds using (record_id)
)
select * from final order by h3_7, h3_10, record_id
