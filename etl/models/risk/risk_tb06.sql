-- indicator: TB06
-- portrait: burden
-- name_zh: 一般纳税人长期有销售零税负
-- name_en: General taxpayer with sales but no VAT, month after month
-- needs: declarations, taxpayer_type
-- weight: 0.4
-- logic_zh: 一般纳税人近12个月销售额 ≥ 20 万元，且 ≥ 6 个月申报了销售额而应纳增值税为零（长期零税负、留抵不减）
-- logic_en: a general taxpayer with ≥ CNY 200,000 of sales in 12 months and 6 or more months of declared sales with no VAT payable (persistent nil tax, credit carried forward)
-- reason_zh: {value:int} 个月有销售额但应纳增值税为零，近12个月销售额 {sales:wan} 万元、应纳增值税 {vat_payable:wan} 万元
-- reason_en: {value:int} months with sales and no VAT payable; CNY {sales:m} m of sales and CNY {vat_payable:m} m of VAT in 12 months
-- threshold source: 连续/长期零税负 is a standard 纳税评估 warning for general taxpayers in provincial
-- practice (usually three months in a row); 6 of 12 months and CNY 200,000 are set by judgement so that
-- a stock build-up quarter does not fire. Absolute: no peer distribution involved.
select
    taxpayer_id,
    risk_ramp(bit_count(months_nil_tax_mask), 6, 12) as severity,
    bit_count(months_nil_tax_mask) as value,
    sales_12m as sales,
    vat_payable_12m as vat_payable
from int_risk_profile
where taxpayer_type = '一般纳税人' and sales_12m >= 2e5 and bit_count(months_nil_tax_mask) >= 6
