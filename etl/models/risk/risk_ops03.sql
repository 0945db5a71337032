-- indicator: OPS03
-- portrait: operating
-- name_zh: 停业期间仍有销售或开票
-- name_en: Sales or invoices while suspended
-- needs: declarations
-- weight: 0.4
-- logic_zh: 登记状态为停业，最近 3 个月仍申报销售额或开具发票
-- logic_en: registered as suspended (停业) yet declaring sales or issuing invoices in the last 3 months
-- reason_zh: 停业状态下最近3个月销售额 {sales:wan} 万元、开票 {invoice_out:wan} 万元
-- reason_en: suspended, yet CNY {sales:m} m of sales and CNY {invoice_out:m} m invoiced in the last 3 months
select
    taxpayer_id,
    risk_ramp(greatest(sales_last3, invoice_out_last3), 0, 1e6) as severity,
    greatest(sales_last3, invoice_out_last3) as value,
    sales_last3 as sales,
    invoice_out_last3 as invoice_out
from int_risk_profile
where status = '停业' and (sales_last3 > 0 or invoice_out_last3 > 0)
