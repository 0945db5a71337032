-- grain: one row per staged taxpayer: the comparison features for linking (docs/linkage.md)
-- unique: taxpayer_id
-- not_null: taxpayer_id
with taxpayers as (select * from stg_taxpayers),
texts as (select * from int_link_texts where side = 'taxpayer'),
categories as (select value as division, canonical as category from ref_values where kind = 'industry_category'),
final as (
    select
        taxpayers.taxpayer_id,
        texts.* exclude (side, key),
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
