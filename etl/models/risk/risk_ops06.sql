-- indicator: OPS06
-- portrait: operating
-- name_zh: 非正常户仍在开票
-- name_en: Abnormal taxpayer still invoicing
-- needs: declarations
-- weight: 0.4
-- logic_zh: 登记状态为非正常，最近 3 个月仍开具发票或申报销售额
-- logic_en: registered as abnormal (非正常) yet issuing invoices or declaring sales in the last 3 months
-- reason_zh: 非正常户，最近3个月开票 {invoice_out:wan} 万元、销售额 {sales:wan} 万元
-- reason_en: abnormal taxpayer, yet CNY {invoice_out:m} m invoiced and CNY {sales:m} m of sales in the last 3 months
-- threshold source: a consistency rule, no threshold: a 非正常户's invoices are locked (《税务登记管理办法》
-- 第四十条 and the 非正常户 procedures), so invoicing means the status or the invoices are wrong. Absolute.
select
    taxpayer_id,
    risk_ramp(greatest(sales_last3, invoice_out_last3), 0, 1e6) as severity,
    greatest(sales_last3, invoice_out_last3) as value,
    sales_last3 as sales,
    invoice_out_last3 as invoice_out
from int_risk_profile
where status = '非正常' and (sales_last3 > 0 or invoice_out_last3 > 0)
