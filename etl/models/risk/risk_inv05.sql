-- indicator: INV05
-- portrait: invoice
-- name_zh: 新办企业短期大额开票
-- name_en: Newly registered, large invoicing
-- needs: declarations, reg_date
-- weight: 0.4
-- logic_zh: 登记不满 24 个月，近12个月开票 ≥ 100 万元，且高于同行业同类型纳税人的 90% 分位
-- logic_en: registered less than 24 months ago, 12-month invoices issued ≥ CNY 1 m and above the 90th percentile of its industry peers
-- reason_zh: 登记仅 {age_months} 个月，近12个月开票 {invoice_out:wan} 万元（同业 90% 分位 {peer_p90:wan} 万元）
-- reason_en: registered only {age_months} months ago, invoiced CNY {invoice_out:m} m in 12 months (peers' 90th percentile CNY {peer_p90:m} m)
with peers as (
    select peer_group, quantile_cont(invoice_out_12m, 0.9) as peer_p90
    from int_risk_profile where invoice_out_12m > 0
    group by peer_group
)
select
    taxpayer_id,
    risk_ramp(ln(invoice_out_12m / greatest(peer_p90, 1)), 0, ln(10)) as severity,
    invoice_out_12m as value,
    age_months,
    invoice_out_12m as invoice_out,
    peer_p90
from int_risk_profile join peers using (peer_group)
where age_months < 24 and invoice_out_12m >= 1000000 and invoice_out_12m > peer_p90
