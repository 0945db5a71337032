-- indicator: OPS07
-- portrait: operating
-- name_zh: 正常户不申报且查无此户
-- name_en: Active, not filing and not found
-- needs: declarations, grid_units
-- weight: 0.45
-- logic_zh: 登记状态正常，应申报 ≥ 6 个月却没有任何增值税申报，所在网格已采集未发现该纳税人（走逃未认定非正常户）
-- logic_en: registered as active (正常), 6 or more VAT returns due and none filed, and not found when its grid was surveyed (absconded, not yet declared abnormal)
-- reason_zh: 应申报 {expected:int} 个月未申报，网格 {grid_code} 已采集未发现该纳税人
-- reason_en: none of {expected:int} VAT returns due filed, and not found when grid {grid_code} was surveyed
-- threshold source: set by judgement on the STA's rule that a taxpayer missing its returns and unreachable
-- is to be declared 非正常户 (《税务登记管理办法》第四十条); six months keeps new registrations out.
select
    taxpayer_id,
    risk_ramp(months_expected, 6, 12) as severity,
    months_expected as value,
    months_expected as expected,
    grid_code
from int_risk_profile
where status = '正常' and not_found and coalesce(vat_months, 0) = 0 and months_expected >= 6
