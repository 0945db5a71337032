-- indicator: CRD01
-- portrait: credit
-- name_zh: 纳税信用D级
-- name_en: Tax credit rating D
-- needs: credit_rating
-- weight: 0.35
-- logic_zh: 纳税信用等级为 D（严重失信）
-- logic_en: tax credit rating D (serious breach of trust)
-- reason_zh: 纳税信用等级 {rating}
-- reason_en: tax credit rating {rating}
select taxpayer_id, 0.8 as severity, 1 as value, credit_rating as rating
from int_risk_profile
where credit_rating = 'D'
