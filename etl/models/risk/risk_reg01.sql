-- indicator: REG01
-- portrait: registration
-- name_zh: 登记地址查无此户
-- name_en: Not found at the registered address
-- needs: grid_units
-- weight: 0.35
-- logic_zh: 登记状态正常，所在网格已在调查期内采集，却没有对应的经营单位（走逃、空壳嫌疑；见 discrepancies 的 not_found）
-- logic_en: registered as active (正常), its grid was surveyed in the window, yet no operating unit matches it (absconded or shell; discrepancies kind not_found)
-- reason_zh: 网格 {grid_code} 调查期内已采集 {value:int} 户，未发现该纳税人
-- reason_en: grid {grid_code} was surveyed ({value:int} units recorded in the window) and the taxpayer was not found
select
    taxpayer_id,
    0.8 as severity,
    grid_units as value,
    grid_code
from int_risk_profile
where not_found
