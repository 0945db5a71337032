-- indicator: DEC01
-- portrait: declaration
-- name_zh: 连续零申报
-- name_en: Consecutive zero returns
-- needs: declarations
-- weight: 0.2
-- logic_zh: 最后一次非零申报之后，已有 ≥ 6 个月增值税零申报（销售额与开票均为 0）
-- logic_en: ≥ 6 zero VAT returns (no sales, no invoices) since the last non-zero one
-- reason_zh: 连续 {value:int} 个月零申报
-- reason_en: {value:int} consecutive zero VAT returns
select
    taxpayer_id,
    risk_ramp(trailing_zero_months, 6, 12) as severity,
    trailing_zero_months as value
from int_risk_profile
where trailing_zero_months >= 6
