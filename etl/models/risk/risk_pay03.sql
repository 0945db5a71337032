-- indicator: PAY03
-- portrait: payment
-- name_zh: 多个月份欠缴税款
-- name_en: Tax short-paid in many months
-- needs: declarations
-- weight: 0.2
-- logic_zh: 近12个月中 ≥ 4 个月实缴税额不足当月应纳税额的 80%（每月差额 ≥ 1000 元）
-- logic_en: in 4 or more of 12 months less than 80 % of the month's tax payable was paid (short by CNY 1,000 or more)
-- reason_zh: {value:int} 个月欠缴，近12个月应纳 {payable:wan} 万元、实缴 {paid:wan} 万元
-- reason_en: short-paid in {value:int} months; CNY {payable:m} m payable and CNY {paid:m} m paid in 12 months
-- threshold source: set by judgement: one late month is an accident, a third of the year is a habit
-- (PAY01 looks at the 12-month sum). Absolute: no peers.
select
    taxpayer_id,
    risk_ramp(bit_count(months_underpaid_mask), 4, 12) as severity,
    bit_count(months_underpaid_mask) as value,
    tax_payable_12m as payable,
    tax_paid_12m as paid
from int_risk_profile
where bit_count(months_underpaid_mask) >= 4
