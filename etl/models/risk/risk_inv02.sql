-- indicator: INV02
-- portrait: invoice
-- name_zh: 取得进项发票远超销售额
-- name_en: Purchase invoices far above sales
-- needs: declarations
-- weight: 0.5
-- logic_zh: 近12个月取得发票金额 ≥ 2 倍申报销售额，且 ≥ 50 万元（虚抵进项）；严重度随倍数（2→10 倍）上升
-- logic_en: 12-month purchase invoices ≥ 2 × declared sales and ≥ CNY 0.5 m (inflated input VAT); severity rises with the multiple (2 → 10)
-- reason_zh: 近12个月取得发票 {invoice_in:wan} 万元，申报销售额 {sales:wan} 万元
-- reason_en: received invoices of CNY {invoice_in:m} m in 12 months against declared sales of CNY {sales:m} m
with p as (select * from int_risk_profile where invoice_in_12m >= 500000)
select
    taxpayer_id,
    risk_ramp(ln(invoice_in_12m / greatest(sales_12m, 1)), ln(2), ln(10)) as severity,
    invoice_in_12m / greatest(sales_12m, 1) as value,
    invoice_in_12m as invoice_in,
    sales_12m as sales
from p
where invoice_in_12m >= 2 * sales_12m
