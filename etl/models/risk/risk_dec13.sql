-- indicator: DEC13
-- portrait: declaration
-- name_zh: 小规模纳税人销售额长期卡在免税额度
-- name_en: Small-scale sales kept just under the exemption
-- needs: declarations, taxpayer_type
-- weight: 0.2
-- logic_zh: 小规模纳税人 ≥ 6 个月申报销售额在 9 万至 10 万元之间（月销售额 10 万元以下免征增值税）
-- logic_en: a small-scale taxpayer declaring between CNY 90,000 and 100,000 in 6 or more months (monthly sales up to CNY 100,000 are VAT-free)
-- reason_zh: {value:int} 个月申报销售额在 9–10 万元之间，紧贴 10 万元免税额度
-- reason_en: {value:int} months with sales between CNY 90,000 and 100,000, just under the CNY 100,000 exemption
-- threshold source: the CNY 100,000 monthly exemption is statutory (财政部 税务总局公告2023年第19号:
-- 小规模纳税人月销售额10万元以下（含本数）免征增值税, to the end of 2027); the 90 % band and 6 months are
-- judgement. Absolute: no peers.
select
    taxpayer_id,
    risk_ramp(bit_count(months_near_exempt_mask), 6, 12) as severity,
    bit_count(months_near_exempt_mask) as value
from int_risk_profile
where taxpayer_type = '小规模纳税人' and bit_count(months_near_exempt_mask) >= 6
