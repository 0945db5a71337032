-- indicator: REG06
-- portrait: registration
-- name_zh: 同一地址登记十户以上（绝对标准）
-- name_en: Ten or more taxpayers at one address (absolute)
-- needs:
-- weight: 0.25
-- logic_zh: 同一登记地址（含门牌与房号）登记了 ≥ 10 户纳税人，不论所在街道的分布（集中注册地、虚拟地址）
-- logic_en: ten or more taxpayers registered at the very same address (door and room), whatever the street's distribution (a registration agent's or virtual address)
-- reason_zh: 登记地址上共有 {value:int} 户纳税人
-- reason_en: {value:int} taxpayers registered at this very address
-- threshold source: set by judgement: one room holds a handful of businesses at most; ten at one door
-- and room is a registration address for hire. The absolute partner of REG03 (street's 99th percentile):
-- a street that is all virtual offices is flagged too.
select
    taxpayer_id,
    risk_ramp(n_other_same_address + 1, 10, 50) as severity,
    n_other_same_address + 1 as value
from int_risk_profile
where n_other_same_address + 1 >= 10
