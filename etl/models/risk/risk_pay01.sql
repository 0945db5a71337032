-- indicator: PAY01
-- portrait: payment
-- name_zh: 欠缴税款
-- name_en: Tax in arrears
-- needs: declarations
-- weight: 0.35
-- logic_zh: 近12个月应纳税额减实缴税额 ≥ 1 万元，且占应纳税额 ≥ 20%
-- logic_en: 12-month tax payable minus tax paid ≥ CNY 10,000 and ≥ 20 % of the tax payable
-- reason_zh: 应纳税额 {payable:wan} 万元，实缴 {paid:wan} 万元，欠缴 {value:wan} 万元
-- reason_en: CNY {payable:m} m payable, CNY {paid:m} m paid: CNY {value:m} m in arrears
select
    taxpayer_id,
    risk_ramp((tax_payable_12m - tax_paid_12m) / tax_payable_12m, 0.2, 1) as severity,
    tax_payable_12m - tax_paid_12m as value,
    tax_payable_12m as payable,
    tax_paid_12m as paid
from int_risk_profile
where tax_payable_12m - tax_paid_12m >= 1e4 and tax_payable_12m - tax_paid_12m >= 0.2 * tax_payable_12m
