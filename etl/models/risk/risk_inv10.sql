-- indicator: INV10
-- portrait: invoice
-- name_zh: 开票集中于单月（突击开票）
-- name_en: Invoicing bunched into one month
-- needs: declarations
-- weight: 0.3
-- logic_zh: 窗口内申报 ≥ 6 个月，近12个月开票 ≥ 100 万元，其中单月开票占全年 60% 以上（突击开票后走逃的前兆）
-- logic_en: at least 6 months filed, 12-month invoices issued ≥ CNY 1 m, and more than 60 % of them in a single month (a burst of invoicing, often before vanishing)
-- reason_zh: 单月开票 {peak:wan} 万元，占近12个月开票 {invoice_out:wan} 万元的 {value:pct}
-- reason_en: CNY {peak:m} m invoiced in one month, {value:pct} of the CNY {invoice_out:m} m of 12 months
-- threshold source: set by judgement (no published value): an ongoing business spreads its invoicing
-- over the year (a seasonal peak rarely exceeds a third of it); 60 % in one month among six or more
-- filed months is a burst. Absolute: no peer distribution involved.
select
    taxpayer_id,
    risk_ramp(max_month_invoice_out / invoice_out_12m, 0.6, 0.95) as severity,
    max_month_invoice_out / invoice_out_12m as value,
    max_month_invoice_out as peak,
    invoice_out_12m as invoice_out
from int_risk_profile
where vat_months >= 6 and invoice_out_12m >= 1e6 and max_month_invoice_out > 0.6 * invoice_out_12m
