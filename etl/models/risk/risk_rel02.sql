-- indicator: REL02
-- portrait: related
-- name_zh: 同一法定代表人关联多户
-- name_en: One legal representative for several taxpayers
-- needs: legal_rep_id
-- weight: 0.25
-- logic_zh: 法定代表人（按证件号码）同时担任 ≥ 2 户其他纳税人的法定代表人
-- logic_en: the legal representative (by id number) represents 2 or more other taxpayers too
-- reason_zh: 法定代表人名下另有 {value:int} 户纳税人
-- reason_en: the legal representative also represents {value:int} other taxpayers
select
    taxpayer_id,
    risk_ramp(n_other_same_legal_rep + 1, 3, 10) as severity,
    n_other_same_legal_rep as value
from int_risk_profile
where n_other_same_legal_rep >= 2
