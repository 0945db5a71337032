-- grain: one row per staged taxpayer: the comparison features for linking (docs/linkage.md)
-- unique: taxpayer_id
-- not_null: taxpayer_id
with taxpayers as (select * from stg_taxpayers),
texts as (select * from int_link_names where side = 'taxpayer'),
categories as (select value as division, canonical as category from ref_values where kind = 'industry_category'),
final as (
    select
        taxpayers.taxpayer_id,
        texts.name_core,
        texts.name_fold,
        nullif(left(texts.name_fold, 2), '') as name_k2,
        addr_road(texts.address_core) as addr_road,
        addr_number(texts.address_core) as addr_number,
        addr_building(texts.address_core) as addr_building,
        addr_floor(texts.address_core) as addr_floor,
        addr_room(texts.address_core) as addr_room,
        addr_road(texts.address_core) || '#' || addr_number(texts.address_core) as addr_key,
        categories.category,
        -- compared with the USCC a grid worker copied from the licence
        taxpayers.taxpayer_id as uscc,
        taxpayers.lng,
        taxpayers.lat,
        taxpayers.h3_9,
        case when taxpayers.h3_9 is not null then [taxpayers.h3_9] end as h3_block
    from taxpayers
    join texts on texts.key = taxpayers.taxpayer_id
    left join categories on categories.division = left(taxpayers.industry_code, 2)
)
select * from final
