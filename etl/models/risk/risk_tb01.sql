-- indicator: TB01
-- portrait: burden
-- name_zh: 增值税税负率远低于同行业
-- name_en: VAT burden far below industry peers
-- needs: declarations, industry_code
-- weight: 0.4
-- logic_zh: 近12个月销售额 ≥ 20 万元（小规模纳税人月均超过 10 万元免征额），增值税税负率（应纳税额/销售额）处于同行业同类型纳税人最低 5%，且不到同业中位数的四分之一；严重度随偏离程度上升
-- logic_en: 12-month sales ≥ CNY 200,000 (small-scale taxpayers: above the CNY 100,000 monthly exemption on average), VAT burden (payable / sales) in the lowest 5 % of its industry peers of the same taxpayer type and below a quarter of their median; severity grows with the gap
-- reason_zh: 增值税税负率 {burden:pct}，同行业中位数 {peer_median:pct}（低于 {below:pct} 的同业）
-- reason_en: VAT burden {burden:pct} against an industry median of {peer_median:pct} (lower than {below:pct} of peers)
with p as (
    select taxpayer_id, peer_group, vat_payable_12m / sales_12m as burden
    from int_risk_profile
    where sales_12m >= 2e5
      and (taxpayer_type <> '小规模纳税人' or sales_12m / greatest(vat_months, 1) > 1e5)
),
ranked as (
    select
        *,
        percent_rank() over (partition by peer_group order by burden) as rank,
        median(burden) over (partition by peer_group) as peer_median,
        count(*) over (partition by peer_group) as peers
    from p
)
select
    taxpayer_id,
    risk_ramp(1 - burden / peer_median, 0.75, 1) as severity,
    burden as value,
    burden,
    peer_median,
    1 - rank as below
from ranked
where peers >= 30 and rank <= 0.05 and peer_median > 0 and burden < 0.25 * peer_median
