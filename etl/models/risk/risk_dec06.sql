-- indicator: DEC06
-- portrait: declaration
-- name_zh: 所得税收入与增值税销售额背离
-- name_en: Income-tax revenue disagrees with VAT sales
-- needs: declarations
-- weight: 0.25
-- logic_zh: 近12个月企业所得税申报收入与增值税销售额之比低于 0.3 或高于 3（两者均 ≥ 10 万元时）
-- logic_en: 12-month corporate income tax revenue / VAT sales below 0.3 or above 3 (when the larger is ≥ CNY 100,000)
-- reason_zh: 所得税申报收入 {cit_revenue:wan} 万元，增值税销售额 {sales:wan} 万元
-- reason_en: income-tax revenue CNY {cit_revenue:m} m against VAT sales of CNY {sales:m} m
with p as (
    select *, cit_revenue_12m / greatest(sales_12m, 1) as ratio
    from int_risk_profile
    where cit_revenue_12m > 0 and greatest(cit_revenue_12m, sales_12m) >= 1e5
)
select
    taxpayer_id,
    risk_ramp(abs(ln(greatest(ratio, 1e-6))), ln(3), ln(30)) as severity,
    ratio as value,
    cit_revenue_12m as cit_revenue,
    sales_12m as sales
from p
where ratio < 0.3 or ratio > 3
