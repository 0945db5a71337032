-- grain: one row per staged taxpayer (data contract: taxpayer_risk; docs/risk.md)
-- unique: taxpayer_id
-- not_null: taxpayer_id, risk_score, risk_level, reasons, n_indicators
-- accepted: risk_score between 0 and 100
-- accepted: risk_level in ('low', 'medium', 'high')
-- accepted: risk_level = 'low' or n_indicators > 0
-- The score combines the fired indicators as independent pieces of evidence (noisy-OR of
-- weight × severity), then the credit rating moderates it: A × 0.8, B × 0.9 (C and D are
-- indicators of their own). No fired indicator, no risk: 无风险不打扰.
with taxpayers as (select taxpayer_id, name, credit_rating, street_code, grid_code, industry_code, status from stg_taxpayers),
hits as (select * from risk_indicator_hits),
combined as (
    select
        taxpayer_id,
        1 - exp(sum(ln(1 - least(contribution, 0.999)))) as evidence,
        list(code order by contribution desc, code) as reasons,
        list(distinct portrait order by portrait) as portraits,
        arg_max(reason_zh, contribution) as top_reason_zh,
        arg_max(reason_en, contribution) as top_reason_en,
        count(*) as n_indicators
    from hits
    group by taxpayer_id
),
scored as (
    select
        taxpayers.*,
        round(100 * coalesce(combined.evidence, 0)
              * case taxpayers.credit_rating when 'A' then 0.8 when 'B' then 0.9 else 1.0 end, 1) as risk_score,
        coalesce(combined.reasons, []::varchar[]) as reasons,
        coalesce(combined.portraits, []::varchar[]) as portraits,
        combined.top_reason_zh,
        combined.top_reason_en,
        coalesce(combined.n_indicators, 0) as n_indicators
    from taxpayers
    left join combined using (taxpayer_id)
),
final as (
    select
        taxpayer_id,
        risk_score,
        case
            when risk_score >= getvariable('risk_high_score') then 'high'
            when risk_score >= getvariable('risk_medium_score') then 'medium'
            else 'low'
        end as risk_level,
        reasons,
        portraits,
        n_indicators,
        top_reason_zh,
        top_reason_en,
        -- where the taxpayer stands among its street's taxpayers (1 = riskiest)
        round(percent_rank() over (partition by street_code order by risk_score), 4) as street_percentile,
        credit_rating,
        status,
        street_code,
        grid_code,
        industry_code
    from scored
)
select * from final order by taxpayer_id
