-- indicator: REL05
-- portrait: related
-- name_zh: 与其他纳税人同址同电话
-- name_en: Same address and same phone as other taxpayers
-- needs: phone
-- weight: 0.3
-- logic_zh: 与至少一户其他纳税人既登记在同一地址（含房号），又登记同一联系电话（同一团伙注册）
-- logic_en: shares both its registered address (door and room) and its phone number with at least one other taxpayer (registered by one hand)
-- reason_zh: 与另外 {value:int} 户纳税人登记地址和联系电话均相同
-- reason_en: same registered address and phone number as {value:int} other taxpayers
-- threshold source: a coincidence rule, no threshold: two businesses at one door rarely share one phone
-- unless one agent set them up. Absolute: no peers.
select
    a.taxpayer_id,
    risk_ramp(count(*), 1, 5) as severity,
    count(*) as value
from int_risk_profile as a
join int_risk_profile as b
    on a.address_key = b.address_key and a.phone_key = b.phone_key and a.taxpayer_id <> b.taxpayer_id
group by a.taxpayer_id
