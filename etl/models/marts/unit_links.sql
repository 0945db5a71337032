-- grain: one row per staged grid unit (data contract: unit_links)
-- unique: record_id
-- not_null: record_id, method, needs_review
-- accepted: method in ('verified', 'uscc', 'probabilistic', 'none')
-- accepted: (method = 'none') = (taxpayer_id is null)
-- accepted: match_probability is null or match_probability between 0 and 1
with units as (select record_id from stg_grid_units),
fixed as (select record_id, taxpayer_id, method from int_unit_links_fixed),
matched as (select record_id, taxpayer_id, match_probability from int_unit_links_resolved),
-- the unit's best candidate when it is not linked: kept for the officers' review
best as (
    select record_id, arg_max(taxpayer_id, match_probability) as taxpayer_id, max(match_probability) as match_probability
    from link_scores
    group by record_id
),
final as (
    select
        units.record_id,
        coalesce(fixed.taxpayer_id, matched.taxpayer_id) as taxpayer_id,
        case when fixed.record_id is not null then fixed.method
             when matched.record_id is not null then 'probabilistic'
             else 'none' end as method,
        case when fixed.record_id is not null then 1.0
             when matched.record_id is not null then matched.match_probability
             else best.match_probability end::double as match_probability,
        -- no link, but a candidate in the review band (or one that lost to a better unit)
        (fixed.record_id is null and matched.record_id is null and best.record_id is not null) as needs_review,
        case when fixed.record_id is null and matched.record_id is null then best.taxpayer_id end as review_taxpayer_id
    from units
    left join fixed using (record_id)
    left join matched using (record_id)
    left join best using (record_id)
)
select * from final order by record_id
