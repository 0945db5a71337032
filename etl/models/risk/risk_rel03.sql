-- indicator: REL03
-- portrait: related
-- name_zh: 关联方为非正常户或D级
-- name_en: Related to abnormal or D-rated taxpayers
-- needs:
-- weight: 0.3
-- logic_zh: 通过联系电话或法定代表人关联的其他纳税人中，有非正常户或纳税信用 D 级
-- logic_en: another taxpayer sharing its phone or legal representative is abnormal (非正常) or rated D
-- reason_zh: {value:int} 户关联纳税人为非正常户或D级（共关联 {related:int} 户）
-- reason_en: {value:int} related taxpayers are abnormal or rated D ({related:int} related in all)
select
    taxpayer_id,
    risk_ramp(n_related_bad, 1, 5) as severity,
    n_related_bad as value,
    n_related as related
from int_risk_profile
where n_related_bad >= 1
