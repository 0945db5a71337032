-- indicator: DEC03
-- portrait: declaration
-- name_zh: 未按期申报
-- name_en: Missing returns
-- needs: declarations
-- weight: 0.3
-- logic_zh: 登记状态正常，窗口内应申报月份中缺报 ≥ 3 个月
-- logic_en: registered as active (正常) and ≥ 3 of the months it should have filed VAT for have no return
-- reason_zh: 应申报 {expected} 个月，仅申报 {filed} 个月
-- reason_en: {filed} VAT returns filed of {expected} months due
with p as (select *, months_expected - coalesce(vat_months, 0) as missing from int_risk_profile)
select
    taxpayer_id,
    risk_ramp(missing, 3, 12) as severity,
    missing as value,
    months_expected as expected,
    coalesce(vat_months, 0) as filed
from p
where missing >= 3
