-- indicator: REG05
-- portrait: registration
-- name_zh: 查无此户但仍在开票
-- name_en: Not found on the ground, still invoicing
-- needs: declarations, grid_units
-- weight: 0.2
-- logic_zh: 登记状态正常，所在网格已采集却未发现该纳税人（not_found），而近12个月开具发票 ≥ 50 万元（无经营场所开票，虚开嫌疑）
-- logic_en: registered as active (正常), not found when its grid was surveyed (not_found), yet CNY 0.5 m or more invoiced in 12 months (invoicing without premises: a likely invoice mill)
-- reason_zh: 网格 {grid_code} 已采集未发现该纳税人，近12个月却开票 {invoice_out:wan} 万元
-- reason_en: not found when grid {grid_code} was surveyed, yet CNY {invoice_out:m} m invoiced in 12 months
-- threshold source: set by judgement: CNY 0.5 m of invoices needs a place of business; nobody found at
-- the address is the 虚开 shell's signature. The weight is low because a grid worker's miss (a business
-- the survey did not reach) looks the same; on the generator's truth a third of the hits are such misses.
-- Absolute: no peers.
select
    taxpayer_id,
    risk_ramp(ln(invoice_out_12m), ln(5e5), ln(2e7)) as severity,
    invoice_out_12m as value,
    invoice_out_12m as invoice_out,
    grid_code
from int_risk_profile
where status = '正常' and not_found and invoice_out_12m >= 5e5
