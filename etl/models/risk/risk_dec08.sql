-- indicator: DEC08
-- portrait: declaration
-- name_zh: 在营但累计零申报月份多
-- name_en: Operating, many zero returns in the year
-- needs: declarations, grid_units
-- weight: 0.45
-- logic_zh: 网格员采集到其经营单位“在营”，而近12个月增值税零申报月份累计 ≥ 6 个（不要求连续；连续的见 DEC02）
-- logic_en: a grid worker recorded its premises as operating (在营) while 6 or more of its 12 months' VAT returns were zero returns (not necessarily in a row; in a row: DEC02)
-- reason_zh: 网格采集为在营，近12个月中 {value:int} 个月零申报
-- reason_en: recorded as operating by the grid worker, yet {value:int} zero VAT returns in 12 months
-- threshold source: set by judgement (the brief's "≥ 6 recent zero returns"): a trading business has
-- sales in most months; half a year of zero returns while the premises are open is under-declaration.
-- Absolute: no peer distribution involved.
select
    taxpayer_id,
    risk_ramp(zero_months, 6, 12) as severity,
    zero_months as value
from int_risk_profile
where unit_operating and zero_months >= 6
