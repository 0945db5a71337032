-- indicator: REL06
-- portrait: related
-- name_zh: 关联纳税人查无此户
-- name_en: Related taxpayers not found on the ground
-- needs: grid_units
-- weight: 0.25
-- logic_zh: 通过联系电话或法定代表人关联的其他纳税人中，≥ 2 户正常户在网格采集中查无此户
-- logic_en: two or more other taxpayers sharing its phone or legal representative are active yet were not found by the grid survey
-- reason_zh: {value:int} 户关联纳税人（同电话或同法定代表人）查无此户
-- reason_en: {value:int} related taxpayers (same phone or legal representative) were not found on the ground
-- threshold source: set by judgement: one vanished relation can be chance, two are a pattern of the
-- group. Absolute: no peers.
with pairs as (
    select a.taxpayer_id, b.taxpayer_id as other_id
    from int_risk_profile as a join int_risk_profile as b
        on a.phone_key = b.phone_key and a.taxpayer_id <> b.taxpayer_id
    union
    select a.taxpayer_id, b.taxpayer_id
    from int_risk_profile as a join int_risk_profile as b
        on a.legal_rep_key = b.legal_rep_key and a.taxpayer_id <> b.taxpayer_id
)
select
    pairs.taxpayer_id,
    risk_ramp(count(*), 2, 6) as severity,
    count(*) as value
from pairs join int_risk_profile as other on other.taxpayer_id = pairs.other_id
where other.status = '正常' and other.not_found
group by pairs.taxpayer_id
having count(*) >= 2
