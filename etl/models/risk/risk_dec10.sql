-- indicator: DEC10
-- portrait: declaration
-- name_zh: 增值税零申报而所得税申报有收入
-- name_en: Zero VAT returns while income tax shows revenue
-- needs: declarations
-- weight: 0.4
-- logic_zh: 某季度三个月增值税均为零申报，而该季度企业所得税预缴申报的营业收入 > 0（两税申报自相矛盾）
-- logic_en: all three VAT returns of a quarter were zero returns while the quarter's income-tax return declared revenue (the two returns contradict each other)
-- reason_zh: {value:int} 个季度增值税零申报，所得税申报收入合计 {cit_revenue:wan} 万元
-- reason_en: {value:int} quarter(s) of zero VAT returns, while income-tax returns declared CNY {cit_revenue:m} m of revenue
-- threshold source: a consistency rule, no threshold to tune: revenue declared for income tax is a sale
-- for VAT in the same quarter (两税比对 in the STA's 纳税评估 practice). Absolute: no peer distribution.
with quarters as (
    select p.taxpayer_id, q.q, p.cit_revenue_12m
    from int_risk_profile as p, range(2, 12) as q(q)
    where p.months_cit_revenue_mask & (1::bigint << q.q) <> 0
      and ((p.months_zero_mask & ~p.months_active_mask) >> (q.q - 2)) & 7 = 7
)
select
    taxpayer_id,
    risk_ramp(count(*), 1, 3) as severity,
    count(*) as value,
    any_value(cit_revenue_12m) as cit_revenue
from quarters
group by taxpayer_id
