-- indicator: IND01
-- portrait: industry
-- name_zh: 进项率远高于同行业
-- name_en: Purchase ratio far above industry peers
-- needs: declarations, industry_code
-- weight: 0.3
-- logic_zh: 近12个月销售额 ≥ 5 万元，取得发票/销售额超过同行业同类型纳税人中位数的 2 倍（与同业分布的尾部形状无关）
-- logic_en: 12-month sales ≥ CNY 50,000 and invoices received / sales above 2 × the median of its industry peers (a multiple of the median, not a tail percentile: it holds whatever the shape of the peers' distribution)
-- reason_zh: 进项率 {ratio:pct}，同行业中位数 {peer_median:pct}
-- reason_en: invoices received at {ratio:pct} of sales against an industry median of {peer_median:pct}
with p as (
    select taxpayer_id, peer_group, invoice_in_12m / sales_12m as ratio
    from int_risk_profile where sales_12m >= 5e4
),
ranked as (
    select *,
        percent_rank() over (partition by peer_group order by ratio) as rank,
        median(ratio) over (partition by peer_group) as peer_median,
        count(*) over (partition by peer_group) as peers
    from p
)
select
    taxpayer_id,
    risk_ramp(ratio / peer_median, 2, 6) as severity,
    ratio / peer_median as value,
    ratio,
    peer_median
from ranked
where peers >= 30 and peer_median > 0 and ratio > 2 * peer_median
