-- indicator: INV07
-- portrait: invoice
-- name_zh: 小规模纳税人销售额超过一般纳税人标准
-- name_en: Small-scale taxpayer above the general-taxpayer threshold
-- needs: declarations, taxpayer_type
-- weight: 0.25
-- logic_zh: 小规模纳税人近12个月申报销售额超过 500 万元（应登记为一般纳税人）
-- logic_en: a small-scale taxpayer (小规模纳税人) declaring more than CNY 5 m in 12 months (should register as a general taxpayer)
-- reason_zh: 小规模纳税人近12个月销售额 {sales:wan} 万元，超过 500 万元标准
-- reason_en: small-scale taxpayer with CNY {sales:m} m of sales in 12 months, above the CNY 5 m threshold
select
    taxpayer_id,
    risk_ramp(sales_12m, 5e6, 2e7) as severity,
    sales_12m as value,
    sales_12m as sales
from int_risk_profile
where taxpayer_type = '小规模纳税人' and sales_12m > 5e6
