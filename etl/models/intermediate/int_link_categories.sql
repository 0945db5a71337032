-- ephemeral
-- grain: one row per grid-side business category that the run's labelled pairs translate: the free text grid workers write (餐馆, 电子厂) → the taxpayers' category (from GB/T 4754)
-- unique: business_category
-- not_null: business_category, category
-- Grid apps' categories are free text and do not share the registrations' vocabulary. The exact-USCC
-- links of the run are pairs known to be one business: for each text a worker wrote, the category its
-- taxpayers have most often is its translation, when enough pairs agree (docs/linkage.md, category).
with units as (select record_id, nullif(trim(business_category), '') as business_category from stg_grid_units),
taxpayers as (select taxpayer_id, industry_code from stg_taxpayers),
categories as (select value as division, canonical as category from ref_values where kind = 'industry_category'),
labelled as (
    select units.business_category, categories.category
    from int_unit_links_fixed as fixed
    join units using (record_id)
    join taxpayers using (taxpayer_id)
    join categories on categories.division = left(taxpayers.industry_code, 2)
    where units.business_category is not null
),
counted as (
    select business_category, category, count(*) as n,
        sum(count(*)) over (partition by business_category) as total
    from labelled group by business_category, category
),
final as (
    select business_category, category, n, total
    from counted
    where n >= 5 and n >= 0.6 * total
    qualify row_number() over (partition by business_category order by n desc, category) = 1
)
select * from final order by business_category
