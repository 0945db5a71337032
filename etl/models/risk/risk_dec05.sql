-- indicator: DEC05
-- portrait: declaration
-- name_zh: 无销售仍取得大量发票
-- name_en: Buying invoices without selling
-- needs: declarations
-- weight: 0.4
-- logic_zh: 近12个月申报销售额不足取得发票的 5%，而取得发票 ≥ 10 万元
-- logic_en: 12-month declared sales below 5 % of invoices received, with invoices received ≥ CNY 100,000
-- reason_zh: 取得发票 {invoice_in:wan} 万元，申报销售额仅 {sales:wan} 万元
-- reason_en: received invoices of CNY {invoice_in:m} m, declared sales only CNY {sales:m} m
select
    taxpayer_id,
    risk_ramp(invoice_in_12m, 1e5, 2e6) as severity,
    invoice_in_12m as value,
    invoice_in_12m as invoice_in,
    sales_12m as sales
from int_risk_profile
where invoice_in_12m >= 1e5 and sales_12m < 0.05 * invoice_in_12m
