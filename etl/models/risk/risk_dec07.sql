-- indicator: DEC07
-- portrait: declaration
-- name_zh: 空壳走逃嫌疑（零申报且查无此户）
-- name_en: Shell or absconded: zero returns, not found on the ground
-- needs: declarations, grid_units
-- weight: 0.55
-- logic_zh: 登记状态正常，最后一次非零申报后已连续 ≥ 6 个月零申报（或申报 ≥ 6 个月而近12个月销售额与开票合计不足 6 万元），且所在网格已在调查期内采集却未发现该纳税人（discrepancies 的 not_found）：有登记无经营的空壳/走逃户，单独即达高风险
-- logic_en: registered as active (正常), ≥ 6 zero VAT returns in a row since the last non-zero one (or ≥ 6 returns with under CNY 60,000 of sales and invoices in 12 months together), and its grid was surveyed without finding it (discrepancies kind not_found): a registration with no business behind it, high risk on its own
-- reason_zh: 登记状态正常，{zero:int} 个月零申报、近12个月销售额 {sales:wan} 万元，网格 {grid_code} 已采集 {units:int} 户未发现该纳税人
-- reason_en: registered as active, {zero:int} zero returns and CNY {sales:m} m of sales in 12 months, and not found when grid {grid_code} was surveyed ({units:int} units recorded)
-- threshold source: the profile is the textbook one (零申报 + 有登记无经营 = 空壳/走逃, the pattern the
-- STA's 非正常户 and 走逃（失联）户 procedures target); the figures are judgement: 6 months is half the
-- window and DEC01's own start, CNY 60,000 a year (CNY 5,000 a month) is a token return. No peer
-- distribution is involved. The profile is a yes/no finding (severity 1); the weight 0.55 is set so
-- that with REG01 (which always fires alongside: 0.35 × 0.8) it reaches the 60 of `high` for every
-- taxpayer not rated A (B: 100 × (1 − 0.72 × 0.45) × 0.9 = 60.8), and lands just above it: dormant
-- shells are to be visited, while evidence of invoicing or hidden sales still ranks first.
with p as (
    select *, coalesce(sales_12m, 0) + coalesce(invoice_out_12m, 0) as turnover
    from int_risk_profile
    where status = '正常' and not_found and has_declarations
)
select
    taxpayer_id,
    1.0 as severity,
    greatest(trailing_zero_months, zero_months) as value,
    greatest(trailing_zero_months, zero_months) as zero,
    coalesce(sales_12m, 0) as sales,
    grid_code,
    grid_units as units
from p
where trailing_zero_months >= 6 or (vat_months >= 6 and turnover < 6e4)
