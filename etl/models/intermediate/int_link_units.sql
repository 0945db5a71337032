-- grain: one row per staged grid unit: the comparison features for linking (docs/linkage.md)
-- unique: record_id
-- not_null: record_id, h3_block, local_keys, wide_keys
with units as (select * from stg_grid_units),
texts as (select * from int_link_texts where side = 'unit'),
keys as (select * from int_link_keys where side = 'unit'),
rings as (select * from int_link_unit_rings),
-- a free-text category the labelled pairs translate is compared in the taxpayers' vocabulary
translated as (select business_category, category from int_link_categories),
final as (
    select
        units.record_id,
        texts.* exclude (side, key),
        keys.name_df,
        keys.rare_df,
        coalesce(translated.category, nullif(trim(units.business_category), '')) as category,
        units.uscc,
        units.lng,
        units.lat,
        cos(radians(units.lat)) as coslat,
        units.h3_9,
        -- the unit's cell and its neighbours: a taxpayer geocoded a block away is still a candidate
        rings.h3_block,
        -- blocking keys (int_link_keys): every cell of its ring with each rare bigram, and its road + number
        list_concat(
            flatten([[c || ':' || g for g in keys.local_grams] for c in rings.h3_block]),
            case when keys.address_block is not null then [keys.address_block] else [] end
        ) as local_keys,
        list_concat(['w:' || g for g in keys.wide_grams],
                    case when texts.name_fold is not null then ['n:' || texts.name_fold] else [] end) as wide_keys
    from units
    join texts on texts.key = units.record_id
    join keys on keys.key = units.record_id and keys.side = 'unit'
    join rings using (record_id)
    left join translated on translated.business_category = nullif(trim(units.business_category), '')
)
select * from final
