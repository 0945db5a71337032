-- indicator: INV01
-- portrait: invoice
-- name_zh: 开票金额远超申报销售额
-- name_en: Invoices issued far above declared sales
-- needs: declarations
-- weight: 0.6
-- logic_zh: 近12个月增值税开票金额 ≥ 3 倍申报销售额，且开票金额 ≥ 50 万元；严重度随倍数（3→30 倍）上升
-- logic_en: 12-month VAT invoices issued ≥ 3 × declared sales and ≥ CNY 0.5 m; severity rises with the multiple (3 → 30)
-- reason_zh: 近12个月开票金额 {invoice_out:wan} 万元，申报销售额 {sales:wan} 万元
-- reason_en: invoiced CNY {invoice_out:m} m in 12 months against declared sales of CNY {sales:m} m
with p as (select * from int_risk_profile where invoice_out_12m >= 500000)
select
    taxpayer_id,
    risk_ramp(ln(invoice_out_12m / greatest(sales_12m, 1)), ln(3), ln(30)) as severity,
    invoice_out_12m / greatest(sales_12m, 1) as value,
    invoice_out_12m as invoice_out,
    sales_12m as sales
from p
where invoice_out_12m >= 3 * sales_12m
