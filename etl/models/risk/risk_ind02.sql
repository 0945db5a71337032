-- indicator: IND02
-- portrait: industry
-- name_zh: 开票率偏离同行业
-- name_en: Invoicing rate off its industry
-- needs: declarations, industry_code
-- weight: 0.3
-- logic_zh: 开票金额/销售额的对数相对同行业同类型纳税人的 z 分数 ≥ 3（稳健估计：中位数与 MAD）
-- logic_en: the log of invoices issued / sales has a robust z-score (median and MAD) of 3 or more within its industry peers
-- reason_zh: 开票金额为销售额的 {ratio:1} 倍，同行业中位数 {peer_median:2} 倍（z = {value:1}）
-- reason_en: invoices issued at {ratio:1} × sales against an industry median of {peer_median:2} × (z = {value:1})
with p as (
    select taxpayer_id, peer_group, invoice_out_12m / greatest(sales_12m, 1) as ratio,
           ln((invoice_out_12m + 1) / (greatest(sales_12m, 0) + 1)) as x
    from int_risk_profile where invoice_out_12m >= 1e5
),
stats as (
    select peer_group, median(x) as mx, count(*) as peers from p group by peer_group
),
mad as (
    select peer_group, median(abs(x - mx)) * 1.4826 as mad
    from p join stats using (peer_group) group by peer_group
),
scored as (
    select p.*, exp(stats.mx) as peer_median, (x - stats.mx) / greatest(mad.mad, 0.05) as z, stats.peers
    from p join stats using (peer_group) join mad using (peer_group)
)
select
    taxpayer_id,
    risk_ramp(z, 3, 10) as severity,
    z as value,
    ratio,
    peer_median
from scored
where peers >= 30 and z >= 3
