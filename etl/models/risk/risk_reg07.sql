-- indicator: REG07
-- portrait: registration
-- name_zh: 新办即查无此户
-- name_en: Newly registered and not found
-- needs: grid_units, reg_date
-- weight: 0.3
-- logic_zh: 登记不满 12 个月，状态正常，所在网格已采集却未发现该纳税人（新办即失联）
-- logic_en: registered less than 12 months ago, active (正常), and not found when its grid was surveyed (gone as soon as registered)
-- reason_zh: 登记仅 {age_months} 个月，网格 {grid_code} 已采集未发现该纳税人
-- reason_en: registered only {age_months} months ago and not found when grid {grid_code} was surveyed
-- threshold source: set by judgement: a business registered within the year should still be where it
-- registered; new companies that are nowhere are the first stage of the 虚开 life cycle. Absolute.
select
    taxpayer_id,
    risk_ramp(12 - age_months, 0, 12) as severity,
    age_months as value,
    age_months,
    grid_code
from int_risk_profile
where status = '正常' and not_found and age_months < 12
