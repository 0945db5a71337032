-- indicator: TB08
-- portrait: burden
-- name_zh: 大额收入零所得税且增值税税负低于预警值
-- name_en: Large revenue, no income tax and a VAT burden below the warning line
-- needs: declarations, taxpayer_type
-- weight: 0.25
-- logic_zh: 一般纳税人近12个月企业所得税申报收入 ≥ 500 万元而应纳所得税为零，且增值税税负率低于 1%（两税同低）
-- logic_en: a general taxpayer with ≥ CNY 5 m of income-tax revenue in 12 months and no income tax payable, and a VAT burden below 1 % (both taxes low)
-- reason_zh: 所得税申报收入 {cit_revenue:wan} 万元、应纳所得税 0 元，增值税税负率 {burden:pct}
-- reason_en: CNY {cit_revenue:m} m of income-tax revenue with no income tax payable and a VAT burden of {burden:pct}
-- threshold source: set by judgement: the absolute partner of TB03 (which compares with the peers' median
-- burden). The 1 % line is the lowest warning line of TB05 apart from wholesale; CNY 5 m keeps small
-- loss-makers out. No peer distribution involved.
select
    taxpayer_id,
    risk_ramp(ln(cit_revenue_12m), ln(5e6), ln(5e8)) as severity,
    cit_revenue_12m as value,
    cit_revenue_12m as cit_revenue,
    vat_payable_12m / greatest(sales_12m, 1) as burden
from int_risk_profile
where taxpayer_type = '一般纳税人' and cit_revenue_12m >= 5e6 and cit_payable_12m <= 0
  and vat_payable_12m < 0.01 * greatest(sales_12m, 1)
