-- indicator: TB04
-- portrait: burden
-- name_zh: 税负率较前期大幅下降
-- name_en: VAT burden fell sharply
-- needs: declarations
-- weight: 0.3
-- logic_zh: 最近3个月销售额 ≥ 10 万元，其增值税税负率不到此前 9 个月的 30%（此前税负率 ≥ 0.5%）
-- logic_en: sales ≥ CNY 100,000 in the last 3 months at a VAT burden below 30 % of the 9 months before (which was ≥ 0.5 %)
-- reason_zh: 最近3个月税负率 {recent:pct}，此前 {before:pct}
-- reason_en: VAT burden {recent:pct} in the last 3 months against {before:pct} before
with p as (
    select *, vat_payable_last3 / sales_last3 as recent, vat_payable_prev9 / sales_prev9 as before
    from int_risk_profile
    where sales_last3 >= 1e5 and sales_prev9 > 0
)
select
    taxpayer_id,
    risk_ramp(1 - recent / before, 0.7, 1) as severity,
    recent / before as value,
    recent,
    before
from p
where before >= 0.005 and recent < 0.3 * before
