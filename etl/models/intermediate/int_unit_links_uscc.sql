-- grain: one row per staged grid unit whose uscc equals a staged taxpayer_id
-- unique: record_id
-- not_null: record_id, taxpayer_id
with units as (select record_id, uscc from stg_grid_units where uscc is not null),
taxpayers as (select taxpayer_id from stg_taxpayers),
final as (
    select units.record_id, taxpayers.taxpayer_id
    from units
    join taxpayers on taxpayers.taxpayer_id = units.uscc
)
select * from final order by record_id
