-- indicator: PAY02
-- portrait: payment
-- name_zh: 有应纳税额但从未缴款
-- name_en: Tax payable but nothing paid
-- needs: declarations
-- weight: 0.4
-- logic_zh: 近12个月应纳税额 ≥ 5 万元，实缴税额为 0
-- logic_en: CNY 50,000 or more of tax payable in 12 months and nothing paid
-- reason_zh: 应纳税额 {value:wan} 万元，实缴 0 元
-- reason_en: CNY {value:m} m payable in 12 months, nothing paid
select
    taxpayer_id,
    risk_ramp(ln(tax_payable_12m), ln(5e4), ln(5e6)) as severity,
    tax_payable_12m as value
from int_risk_profile
where tax_payable_12m >= 5e4 and tax_paid_12m = 0
