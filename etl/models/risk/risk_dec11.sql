-- indicator: DEC11
-- portrait: declaration
-- name_zh: 在营但长期低额申报
-- name_en: Operating, token returns all year
-- needs: declarations, grid_units
-- weight: 0.35
-- logic_zh: 企业（不含个体工商户），网格员采集其经营单位“在营”，申报 ≥ 9 个月，销售额不为零，但近12个月销售额不足 3 万元（月均不足 2500 元）
-- logic_en: a company (not an individual business), recorded as operating (在营) by a grid worker, 9 or more returns filed, some sales, but under CNY 30,000 of sales in 12 months (under CNY 2,500 a month)
-- reason_zh: 网格采集为在营，{months:int} 个月申报销售额合计仅 {sales:wan} 万元
-- reason_en: recorded as operating by the grid worker, yet only CNY {sales:m} m of sales over {months:int} returns
-- threshold source: set by judgement: CNY 2,500 a month is below what an open shop's rent alone costs in
-- Shenzhen, so returns that small from open premises are near-zero returns. Individual businesses
-- (个体工商户) are left out: many genuinely trade below that, or are taxed on a fixed quota. Absolute.
select
    taxpayer_id,
    risk_ramp(3e4 - sales_12m, 0, 3e4) as severity,
    sales_12m as value,
    sales_12m as sales,
    vat_months as months
from int_risk_profile
where entity_type = '企业' and unit_operating and vat_months >= 9 and sales_12m > 0 and sales_12m < 3e4
