-- grain: one row per street: its taxpayers' risk at a glance (docs/risk.md)
-- unique: street_code
-- not_null: street_code, n_taxpayers, n_high, n_medium, risk_mean
with streets as (select street_code, street_name from stg_streets),
risk as (select * from taxpayer_risk where street_code is not null),
hits as (
    select risk.street_code, hits.portrait, count(distinct hits.taxpayer_id) as n
    from risk_indicator_hits as hits
    join risk using (taxpayer_id)
    where risk.risk_level <> 'low'
    group by all
),
portraits as (
    select street_code, list(struct_pack(portrait := portrait, n := n) order by n desc, portrait)[1:3] as top_portraits
    from hits group by street_code
),
per_street as (
    select
        street_code,
        count(*) as n_taxpayers,
        count(*) filter (where risk_level = 'high') as n_high,
        count(*) filter (where risk_level = 'medium') as n_medium,
        round(avg(risk_score), 2) as risk_mean,
        count(*) filter (where n_indicators > 0) as n_flagged
    from risk
    group by street_code
),
final as (
    select
        streets.street_code,
        streets.street_name,
        coalesce(per_street.n_taxpayers, 0) as n_taxpayers,
        coalesce(per_street.n_high, 0) as n_high,
        coalesce(per_street.n_medium, 0) as n_medium,
        coalesce(per_street.n_flagged, 0) as n_flagged,
        coalesce(per_street.risk_mean, 0) as risk_mean,
        round(coalesce(per_street.n_high, 0) / greatest(per_street.n_taxpayers, 1), 4) as high_share,
        coalesce(portraits.top_portraits, []) as top_portraits
    from streets
    left join per_street using (street_code)
    left join portraits using (street_code)
)
select * from final order by street_code
