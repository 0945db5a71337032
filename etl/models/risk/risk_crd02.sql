-- indicator: CRD02
-- portrait: credit
-- name_zh: 纳税信用C级
-- name_en: Tax credit rating C
-- needs: credit_rating
-- weight: 0.15
-- logic_zh: 纳税信用等级为 C
-- logic_en: tax credit rating C
-- reason_zh: 纳税信用等级 {rating}
-- reason_en: tax credit rating {rating}
select taxpayer_id, 0.7 as severity, 1 as value, credit_rating as rating
from int_risk_profile
where credit_rating = 'C'
