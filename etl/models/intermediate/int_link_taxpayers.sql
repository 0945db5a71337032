-- grain: one row per staged taxpayer: the comparison features for linking (docs/linkage.md)
-- unique: taxpayer_id
-- not_null: taxpayer_id, local_keys, wide_keys
with taxpayers as (select * from stg_taxpayers),
texts as (select * from int_link_texts where side = 'taxpayer'),
keys as (select * from int_link_keys where side = 'taxpayer'),
categories as (select value as division, canonical as category from ref_values where kind = 'industry_category'),
final as (
    select
        taxpayers.taxpayer_id,
        texts.* exclude (side, key),
        keys.name_df,
        keys.rare_df,
        categories.category,
        -- compared with the USCC a grid worker copied from the licence
        taxpayers.taxpayer_id as uscc,
        taxpayers.lng,
        taxpayers.lat,
        cos(radians(taxpayers.lat)) as coslat,
        taxpayers.h3_9,
        case when taxpayers.h3_9 is not null then [taxpayers.h3_9] end as h3_block,
        -- blocking keys (int_link_keys): its cell with each rare bigram, and its road + number
        list_concat(
            case when taxpayers.h3_9 is not null
                 then [taxpayers.h3_9 || ':' || g for g in keys.local_grams] else [] end,
            case when keys.address_block is not null then [keys.address_block] else [] end
        ) as local_keys,
        list_concat(['w:' || g for g in keys.wide_grams],
                    case when texts.name_fold is not null then ['n:' || texts.name_fold] else [] end) as wide_keys
    from taxpayers
    join texts on texts.key = taxpayers.taxpayer_id
    join keys on keys.key = taxpayers.taxpayer_id and keys.side = 'taxpayer'
    left join categories on categories.division = left(taxpayers.industry_code, 2)
)
select * from final
