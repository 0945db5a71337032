-- indicator: OPS05
-- portrait: operating
-- name_zh: 注销后仍有销售或开票
-- name_en: Sales or invoices after deregistration
-- needs: declarations
-- weight: 0.4
-- logic_zh: 登记状态为注销，最近 3 个月仍申报销售额或开具发票
-- logic_en: registered as deregistered (注销) yet declaring sales or issuing invoices in the last 3 months
-- reason_zh: 已注销，最近3个月销售额 {sales:wan} 万元、开票 {invoice_out:wan} 万元
-- reason_en: deregistered, yet CNY {sales:m} m of sales and CNY {invoice_out:m} m invoiced in the last 3 months
-- threshold source: a consistency rule, no threshold: a deregistered taxpayer has no invoice quota and
-- files nothing. Absolute: no peers.
select
    taxpayer_id,
    risk_ramp(greatest(sales_last3, invoice_out_last3), 0, 1e6) as severity,
    greatest(sales_last3, invoice_out_last3) as value,
    sales_last3 as sales,
    invoice_out_last3 as invoice_out
from int_risk_profile
where status = '注销' and (sales_last3 > 0 or invoice_out_last3 > 0)
