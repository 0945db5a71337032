-- indicator: TB07
-- portrait: burden
-- name_zh: 小规模纳税人超过免税额度未缴增值税
-- name_en: Small-scale taxpayer above the exemption, no VAT
-- needs: declarations, taxpayer_type
-- weight: 0.2
-- logic_zh: 小规模纳税人 ≥ 3 个月申报销售额超过 10 万元而应纳增值税为零（超过免税额度应按 1% 征收）
-- logic_en: a small-scale taxpayer declaring more than CNY 100,000 with no VAT payable in 3 or more months (above the exemption the 1 % levy applies)
-- reason_zh: {value:int} 个月销售额超过 10 万元免税额度而未申报增值税，近12个月销售额 {sales:wan} 万元
-- reason_en: {value:int} month(s) above the CNY 100,000 exemption with no VAT declared; CNY {sales:m} m of sales in 12 months
-- threshold source: statutory. 财政部 税务总局公告2023年第19号: small-scale taxpayers' monthly sales up to
-- CNY 100,000 are exempt, above it VAT is levied at 1 % (to the end of 2027). Quarterly filers' CNY
-- 300,000 a quarter is the same line in monthly terms. 3 months and the low weight are judgement: some
-- sales are exempt whatever the amount (agricultural producers, medical services), so one month above
-- the line is not yet evidence. Absolute: no peers.
select
    taxpayer_id,
    risk_ramp(bit_count(months_above_exempt_nil_mask), 3, 9) as severity,
    bit_count(months_above_exempt_nil_mask) as value,
    sales_12m as sales
from int_risk_profile
where taxpayer_type = '小规模纳税人' and bit_count(months_above_exempt_nil_mask) >= 3
