-- indicator: REL04
-- portrait: related
-- name_zh: 关联企业集中新设
-- name_en: Related companies set up together
-- needs: reg_date
-- weight: 0.3
-- logic_zh: 登记不满 24 个月，且与其相隔 180 天内登记的关联纳税人（同电话或同法定代表人）≥ 2 户
-- logic_en: registered less than 24 months ago, with 2 or more related taxpayers (same phone or legal representative) registered within 180 days of it
-- reason_zh: 登记 {age_months} 个月，同期新设关联纳税人 {value:int} 户
-- reason_en: registered {age_months} months ago together with {value:int} related taxpayers
select
    taxpayer_id,
    risk_ramp(n_related_same_time, 2, 6) as severity,
    n_related_same_time as value,
    age_months
from int_risk_profile
where age_months < 24 and n_related_same_time >= 2
