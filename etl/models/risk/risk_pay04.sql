-- indicator: PAY04
-- portrait: payment
-- name_zh: 欠税后注销或成为非正常户
-- name_en: Tax owed, then deregistered or abnormal
-- needs: declarations
-- weight: 0.35
-- logic_zh: 登记状态为注销或非正常，近12个月应纳税额未缴部分 ≥ 1 万元（欠税走逃）
-- logic_en: registered as deregistered (注销) or abnormal (非正常) with CNY 10,000 or more of the 12 months' tax payable unpaid (left owing tax)
-- reason_zh: 状态“{status}”，欠缴税款 {value:wan} 万元
-- reason_en: status “{status}”, CNY {value:m} m of tax unpaid
-- threshold source: set by judgement: CNY 10,000 is PAY01's floor. A deregistration should clear every
-- tax owed (税务注销 requires it), so a 注销 taxpayer owing tax is an irregular exit. Absolute: no peers.
select
    taxpayer_id,
    risk_ramp(ln(tax_payable_12m - tax_paid_12m), ln(1e4), ln(1e6)) as severity,
    tax_payable_12m - tax_paid_12m as value,
    status
from int_risk_profile
where status in ('注销', '非正常') and tax_payable_12m - tax_paid_12m >= 1e4
