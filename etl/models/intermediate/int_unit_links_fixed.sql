-- grain: one row per staged grid unit whose link is fixed before matching: its uscc equals a staged taxpayer_id
-- unique: record_id
-- not_null: record_id, taxpayer_id, method
-- accepted: method in ('uscc')
with units as (select record_id, uscc from stg_grid_units where uscc is not null),
taxpayers as (select taxpayer_id from stg_taxpayers),
by_uscc as (
    select units.record_id, taxpayers.taxpayer_id, 'uscc' as method
    from units
    join taxpayers on taxpayers.taxpayer_id = units.uscc
),
final as (select * from by_uscc)
select * from final order by record_id
