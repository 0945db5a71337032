-- indicator: INV03
-- portrait: invoice
-- name_zh: 进销项金额几乎相等且几乎不缴税
-- name_en: Invoices in and out nearly equal, almost no VAT
-- needs: declarations
-- weight: 0.45
-- logic_zh: 近12个月开票 ≥ 100 万元，取得发票与开票之比在 0.9–1.1 之间，且增值税应纳税额不足开票额的 0.5%（过票）
-- logic_en: 12-month invoices issued ≥ CNY 1 m, invoices received / issued between 0.9 and 1.1, and VAT payable below 0.5 % of invoices issued (pass-through invoicing)
-- reason_zh: 开票 {invoice_out:wan} 万元，取得发票 {invoice_in:wan} 万元，应纳增值税仅 {vat_payable:wan} 万元
-- reason_en: invoiced CNY {invoice_out:m} m, received CNY {invoice_in:m} m, VAT payable only CNY {vat_payable:m} m
select
    taxpayer_id,
    risk_ramp(0.005 - vat_payable_12m / invoice_out_12m, 0, 0.005) as severity,
    invoice_in_12m / invoice_out_12m as value,
    invoice_out_12m as invoice_out,
    invoice_in_12m as invoice_in,
    vat_payable_12m as vat_payable
from int_risk_profile
where invoice_out_12m >= 1000000
  and invoice_in_12m between 0.9 * invoice_out_12m and 1.1 * invoice_out_12m
  and vat_payable_12m < 0.005 * invoice_out_12m
