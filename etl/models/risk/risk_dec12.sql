-- indicator: DEC12
-- portrait: declaration
-- name_zh: 各月申报销售额完全相同
-- name_en: The same sales declared month after month
-- needs: declarations, taxpayer_type
-- weight: 0.15
-- logic_zh: 一般纳税人 ≥ 6 个月申报了销售额，且各月金额完全相同（按固定数字申报，非如实核算）
-- logic_en: a general taxpayer declaring sales in 6 or more months, every month the very same amount (a fixed figure, not bookkeeping)
-- reason_zh: {months:int} 个月申报销售额均为 {value:wan} 万元
-- reason_en: CNY {value:m} m of sales declared in each of {months:int} months
-- threshold source: set by judgement: a general taxpayer keeps books, so its monthly sales vary; a fixed
-- amount belongs to 定期定额 households (small-scale, hence excluded). Absolute: no peers.
select
    taxpayer_id,
    risk_ramp(n_sales_months, 6, 12) as severity,
    max_month_sales as value,
    n_sales_months as months
from int_risk_profile
where taxpayer_type = '一般纳税人' and n_sales_months >= 6 and max_month_sales - min_month_sales < 1
