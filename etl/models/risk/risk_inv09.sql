-- indicator: INV09
-- portrait: invoice
-- name_zh: 开票金额大于申报销售额（票表比对）
-- name_en: Invoices issued above declared sales (invoice-return reconciliation)
-- needs: declarations
-- weight: 0.45
-- logic_zh: 近12个月开具发票金额超过申报销售额 10% 以上且差额 ≥ 10 万元，并有 ≥ 3 个月当月开票大于当月申报销售额（票表比对不符，少申报收入）；严重度随倍数（1.1→3 倍）上升
-- logic_en: 12-month invoices issued more than 10 % above declared sales, by CNY 100,000 or more, and above the month's declared sales in at least 3 months (invoices and return disagree: sales under-declared); severity rises with the multiple (1.1 → 3)
-- reason_zh: 近12个月开票 {invoice_out:wan} 万元，申报销售额仅 {sales:wan} 万元，少申报 {gap:wan} 万元（{months:int} 个月票大于表）
-- reason_en: invoiced CNY {invoice_out:m} m in 12 months, declared sales only CNY {sales:m} m: CNY {gap:m} m undeclared ({months:int} months with invoices above the return)
-- threshold source: the rule is statutory, the margins are judgement. Every invoiced sale is a sale to
-- declare: the return's 开具发票销售额 must cover the invoices issued in the invoice system (票表比对,
-- 《增值税纳税申报比对管理操作规程（试行）》, 税总发〔2017〕124号). 10 % / CNY 100,000 / 3 months only keep
-- timing differences (an invoice declared the next month) out. No peer distribution is involved: a whole
-- industry invoicing more than it declares is flagged too. INV01 (≥ 3 ×, ≥ CNY 0.5 m) stays as the
-- invoice-mill tier.
with p as (
    select *, bit_count(months_invoice_over_mask)::integer as months
    from int_risk_profile
    where invoice_out_12m >= 1e5
)
select
    taxpayer_id,
    risk_ramp(ln(invoice_out_12m / greatest(sales_12m, 1)), ln(1.1), ln(3)) as severity,
    invoice_out_12m / greatest(sales_12m, 1) as value,
    invoice_out_12m as invoice_out,
    sales_12m as sales,
    invoice_out_12m - sales_12m as gap,
    months
from p
where invoice_out_12m > 1.1 * sales_12m and invoice_out_12m - sales_12m >= 1e5 and months >= 3
