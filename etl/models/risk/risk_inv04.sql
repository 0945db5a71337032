-- indicator: INV04
-- portrait: invoice
-- name_zh: 开票金额突增
-- name_en: Sudden jump in invoices issued
-- needs: declarations
-- weight: 0.35
-- logic_zh: 最近3个月开票 ≥ 30 万元，且月均开票 ≥ 此前9个月月均的 3 倍（此前至少申报 3 个月）
-- logic_en: invoices issued in the last 3 months ≥ CNY 0.3 m and their monthly mean ≥ 3 × the mean of the 9 months before (at least 3 months filed before)
-- reason_zh: 最近3个月月均开票 {recent:wan} 万元，此前月均 {before:wan} 万元（{value:1} 倍）
-- reason_en: CNY {recent:m} m a month invoiced in the last 3 months against CNY {before:m} m before ({value:1} ×)
with p as (
    select *, invoice_out_last3 / 3 as recent, invoice_out_prev9 / vat_months_prev9 as before
    from int_risk_profile
    where invoice_out_last3 >= 300000 and vat_months_prev9 >= 3
)
select
    taxpayer_id,
    risk_ramp(ln(recent / greatest(before, 1)), ln(3), ln(20)) as severity,
    recent / greatest(before, 1) as value,
    recent,
    before
from p
where recent >= 3 * before
