-- ephemeral
-- grain: one row per (side, key) of int_link_texts: the blocking keys of its name and address (docs/linkage.md, blocking)
-- unique: side, key
-- not_null: side, key
-- Several independent keys, so that no single character decides whether a pair is compared:
-- any of a name's rarest bigrams (a changed or dropped character breaks at most two bigrams),
-- and road + number. Rarity is counted among taxpayers: a bigram shared by many (科技, 电子)
-- only blocks where the name has nothing rarer.
with texts as (select * from int_link_texts),
grams as (select side, key, unnest(name_grams) as gram from texts),
-- how many taxpayers carry each bigram, and each road + number
gram_df as (select gram, count(*) as df from grams where side = 'taxpayer' group by gram),
name_df as (select name_fold, count(*) as df from texts where side = 'taxpayer' and name_fold is not null group by name_fold),
addr_df as (select addr_key, count(*) as df from texts where side = 'taxpayer' and addr_key is not null group by addr_key),
ranked as (
    select grams.side, grams.key, grams.gram, coalesce(gram_df.df, 0) as df,
        row_number() over (partition by grams.side, grams.key order by coalesce(gram_df.df, 0), grams.gram) as rarity
    from grams left join gram_df using (gram)
),
per_record as (
    select side, key,
        -- the rarest few: the local pass joins them with the neighbourhood
        list(gram order by rarity) filter (where rarity <= getvariable('link_local_grams')) as local_grams,
        -- how many taxpayers share the name's rarest bigram: is a short form distinctive?
        min(df) as rare_df,
        -- district-wide: only bigrams few taxpayers share (a distinctive name links across the district)
        list(gram order by rarity) filter (where rarity <= getvariable('link_local_grams')
                                           and df <= getvariable('link_wide_max_df')) as wide_grams
    from ranked group by side, key
),
final as (
    select texts.side, texts.key,
        -- how many taxpayers carry this folded name (the name comparison's rare / common levels)
        coalesce(name_df.df, 0) as name_df,
        coalesce(per_record.local_grams, []) as local_grams,
        coalesce(per_record.wide_grams, []) as wide_grams,
        coalesce(per_record.rare_df, 0) as rare_df,
        -- road + number, unless so many taxpayers share it (a tower) that it says nothing alone
        case when texts.addr_key is not null and coalesce(addr_df.df, 0) <= getvariable('link_address_max_df')
             then 'a:' || texts.addr_key end as address_block
    from texts
    left join per_record using (side, key)
    left join addr_df using (addr_key)
    left join name_df using (name_fold)
)
select * from final
