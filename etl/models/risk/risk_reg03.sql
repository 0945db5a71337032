-- indicator: REG03
-- portrait: registration
-- name_zh: 同一地址集中注册
-- name_en: Many taxpayers registered at one address
-- needs:
-- weight: 0.3
-- logic_zh: 同一登记地址（含门牌与房号）登记了 ≥ 5 户纳税人，且超过所在街道 99% 的地址（疑似虚拟注册地址）
-- logic_en: five or more taxpayers registered at the very same address (door and room), more than at 99 % of the street's addresses (a likely virtual office)
-- reason_zh: 登记地址上共有 {value:int} 户纳税人（街道 99% 分位 {street_p99:int} 户）
-- reason_en: {value:int} taxpayers registered at this address (street's 99th percentile: {street_p99:int})
with per_address as (
    select street_code, address_key, count(*) as n
    from int_risk_profile where address_key is not null
    group by street_code, address_key
),
street as (
    select street_code, quantile_cont(n, 0.99) as street_p99 from per_address group by street_code
)
select
    taxpayer_id,
    risk_ramp(n_other_same_address + 1, 5, 20) as severity,
    n_other_same_address + 1 as value,
    street.street_p99
from int_risk_profile
join street using (street_code)
where n_other_same_address + 1 >= 5 and n_other_same_address + 1 > street.street_p99
