-- indicator: DEC04
-- portrait: declaration
-- name_zh: 申报销售额骤降
-- name_en: Sharp fall in declared sales
-- needs: declarations
-- weight: 0.3
-- logic_zh: 此前 9 个月月均销售额 ≥ 3 万元，最近 3 个月仍在申报但月均不足此前的 20%
-- logic_en: monthly sales ≥ CNY 30,000 over the 9 months before, still filing in the last 3 months but at less than 20 % of that
-- reason_zh: 最近3个月月均销售额 {recent:wan} 万元，此前月均 {before:wan} 万元
-- reason_en: CNY {recent:m} m of sales a month in the last 3 months against CNY {before:m} m before
with p as (
    select *, sales_last3 / vat_months_last3 as recent, sales_prev9 / vat_months_prev9 as before
    from int_risk_profile
    where vat_months_prev9 >= 3 and vat_months_last3 >= 1
)
select
    taxpayer_id,
    risk_ramp(1 - recent / before, 0.8, 1) as severity,
    recent / before as value,
    recent,
    before
from p
where before >= 30000 and recent < 0.2 * before
