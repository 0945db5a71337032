-- indicator: DEC02
-- portrait: declaration
-- name_zh: 实际在营但零申报
-- name_en: Operating but filing zero returns
-- needs: declarations, grid_units
-- weight: 0.55
-- logic_zh: 网格员采集到该纳税人的经营单位“在营”，而最后一次非零申报之后已有 ≥ 3 个月零申报
-- logic_en: a grid worker recorded the taxpayer's premises as operating (在营) while it filed ≥ 3 zero VAT returns since its last non-zero one
-- reason_zh: 网格采集为在营，但连续 {value:int} 个月零申报
-- reason_en: recorded as operating by the grid worker, yet {value:int} zero VAT returns in a row
select
    taxpayer_id,
    risk_ramp(trailing_zero_months, 3, 9) as severity,
    trailing_zero_months as value
from int_risk_profile
where unit_operating and trailing_zero_months >= 3
