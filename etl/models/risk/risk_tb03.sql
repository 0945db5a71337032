-- indicator: TB03
-- portrait: burden
-- name_zh: 大额收入未缴企业所得税
-- name_en: Large revenue, no corporate income tax
-- needs: declarations
-- weight: 0.15
-- logic_zh: 近12个月企业所得税申报收入 ≥ 1000 万元，所得税应纳税额为 0，且增值税税负率低于同业中位数
-- logic_en: 12-month income-tax revenue ≥ CNY 10 m with no income tax payable, and a VAT burden below the industry median
-- reason_zh: 所得税申报收入 {cit_revenue:wan} 万元，应纳所得税 0 元
-- reason_en: income-tax revenue of CNY {cit_revenue:m} m and no income tax payable
with burden as (
    select taxpayer_id, peer_group, vat_payable_12m / sales_12m as burden,
           median(vat_payable_12m / sales_12m) over (partition by peer_group) as peer_median
    from int_risk_profile
    where sales_12m > 0
)
select
    taxpayer_id,
    risk_ramp(ln(cit_revenue_12m), ln(1e7), ln(1e9)) as severity,
    cit_revenue_12m as value,
    cit_revenue_12m as cit_revenue
from int_risk_profile join burden using (taxpayer_id)
where cit_revenue_12m >= 1e7 and cit_payable_12m = 0 and burden.burden < burden.peer_median
