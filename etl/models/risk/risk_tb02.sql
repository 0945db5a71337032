-- indicator: TB02
-- portrait: burden
-- name_zh: 一般纳税人大额销售零税额
-- name_en: General taxpayer with large sales and no VAT
-- needs: declarations, taxpayer_type
-- weight: 0.4
-- logic_zh: 一般纳税人近12个月销售额 ≥ 100 万元而增值税应纳税额为 0
-- logic_en: a general taxpayer with ≥ CNY 1 m of sales in 12 months and no VAT payable
-- reason_zh: 近12个月销售额 {sales:wan} 万元，应纳增值税 0 元
-- reason_en: CNY {sales:m} m of sales in 12 months and no VAT payable
select
    taxpayer_id,
    risk_ramp(ln(sales_12m), ln(1e6), ln(5e7)) as severity,
    sales_12m as value,
    sales_12m as sales
from int_risk_profile
where taxpayer_type = '一般纳税人' and sales_12m >= 1e6 and vat_payable_12m = 0
