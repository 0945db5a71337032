-- grain: one row per staged taxpayer with a usable position: what the map aggregates on the fly
-- unique: taxpayer_id
-- not_null: taxpayer_id, h3_7, h3_8, h3_9, h3_10, not_found
-- The map filters taxpayers (industry, type, rating, status, risk level) and counts them per H3 cell
-- of the viewport; one narrow table makes that a single scan (taxmap/data/hexes.py).
with taxpayers as (select * from stg_taxpayers where h3_10 is not null),
risk as (select taxpayer_id, risk_score, risk_level from taxpayer_risk),
categories as (select taxpayer_id, category from int_link_taxpayers),
paid as (select taxpayer_id, tax_paid_12m from fct_taxpayer_declarations),
not_found as (select distinct taxpayer_id from discrepancies where kind = 'not_found'),
final as (
    select
        taxpayers.taxpayer_id,
        taxpayers.h3_7, taxpayers.h3_8, taxpayers.h3_9, taxpayers.h3_10,
        taxpayers.street_code,
        taxpayers.grid_code,
        categories.category,
        taxpayers.taxpayer_type,
        taxpayers.entity_type,
        taxpayers.credit_rating,
        taxpayers.status,
        risk.risk_level,
        risk.risk_score,
        coalesce(paid.tax_paid_12m, 0)::double as tax_paid_12m,
        not_found.taxpayer_id is not null as not_found
    from taxpayers
    left join risk using (taxpayer_id)
    left join categories using (taxpayer_id)
    left join paid using (taxpayer_id)
    left join not_found using (taxpayer_id)
)
select * from final order by h3_7, h3_10, taxpayer_id
