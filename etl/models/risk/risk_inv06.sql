-- indicator: INV06
-- portrait: invoice
-- name_zh: 大额开票后停止申报
-- name_en: Stopped filing after large invoicing
-- needs: declarations
-- weight: 0.5
-- logic_zh: 登记状态正常，窗口内开票 ≥ 30 万元，但最近 3 个月没有增值税申报（票后走逃）
-- logic_en: registered as 正常 (active), invoices issued ≥ CNY 0.3 m in the window, but no VAT return in the last 3 months (invoice then vanish)
-- reason_zh: 开票 {invoice_out:wan} 万元后，最后一次申报在 {months_silent} 个月前
-- reason_en: after invoicing CNY {invoice_out:m} m, last VAT return {months_silent} months ago
select
    taxpayer_id,
    risk_ramp(11 - last_vat_index, 3, 9) as severity,
    invoice_out_12m as value,
    invoice_out_12m as invoice_out,
    11 - last_vat_index as months_silent
from int_risk_profile
where status = '正常' and invoice_out_12m >= 300000 and last_vat_index <= 8
