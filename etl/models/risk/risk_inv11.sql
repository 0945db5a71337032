-- indicator: INV11
-- portrait: invoice
-- name_zh: 大额开票而未缴税款
-- name_en: Large invoicing, no tax paid
-- needs: declarations
-- weight: 0.35
-- logic_zh: 近12个月开具发票 ≥ 100 万元，而全部税种实缴税额为 0
-- logic_en: CNY 1 m or more invoiced in 12 months while no tax of any kind was paid
-- reason_zh: 近12个月开票 {invoice_out:wan} 万元，实缴税款 0 元
-- reason_en: invoiced CNY {invoice_out:m} m in 12 months and paid no tax at all
-- threshold source: set by judgement (no published value): a business invoicing CNY 1 m a year owes VAT on
-- its margin (13 % general rate; 1 % small-scale levy above the exemption) and nothing paid at all
-- means no margin declared or nothing settled. Absolute: no peer distribution involved.
select
    taxpayer_id,
    risk_ramp(ln(invoice_out_12m), ln(1e6), ln(5e7)) as severity,
    invoice_out_12m as value,
    invoice_out_12m as invoice_out
from int_risk_profile
where invoice_out_12m >= 1e6 and coalesce(tax_paid_12m, 0) <= 0
