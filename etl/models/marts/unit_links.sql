-- grain: one row per staged grid unit (data contract: unit_links)
-- unique: record_id
-- not_null: record_id, method
-- accepted: method in ('uscc', 'none')
with units as (select record_id from stg_grid_units),
exact as (select * from int_unit_links_uscc),
final as (
    select
        units.record_id,
        exact.taxpayer_id,
        case when exact.taxpayer_id is not null then 'uscc' else 'none' end as method,
        case when exact.taxpayer_id is not null then 1.0 end::double as match_probability
    from units
    left join exact using (record_id)
)
select * from final order by record_id
