-- grain: one row per staged grid unit: the comparison features for linking (docs/linkage.md)
-- unique: record_id
-- not_null: record_id, h3_block
with units as (select * from stg_grid_units),
texts as (select * from int_link_texts where side = 'unit'),
rings as (select * from int_link_unit_rings),
final as (
    select
        units.record_id,
        texts.* exclude (side, key),
        nullif(trim(units.business_category), '') as category,
        units.uscc,
        units.lng,
        units.lat,
        units.h3_9,
        -- the unit's cell and its neighbours: a taxpayer geocoded a block away is still a candidate
        rings.h3_block
    from units
    join texts on texts.key = units.record_id
    join rings using (record_id)
)
select * from final
