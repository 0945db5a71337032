-- indicator: REL01
-- portrait: related
-- name_zh: 同一联系电话关联多户
-- name_en: One phone number for several taxpayers
-- needs: phone
-- weight: 0.3
-- logic_zh: 与 ≥ 2 户其他纳税人登记同一联系电话；严重度随户数（3→10 户）上升
-- logic_en: the same phone number is registered for 2 or more other taxpayers; severity rises with the count (3 → 10)
-- reason_zh: 联系电话与另外 {value:int} 户纳税人相同
-- reason_en: phone number shared with {value:int} other taxpayers
select
    taxpayer_id,
    risk_ramp(n_other_same_phone + 1, 3, 10) as severity,
    n_other_same_phone as value
from int_risk_profile
where n_other_same_phone >= 2
