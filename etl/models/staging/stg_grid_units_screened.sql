-- ephemeral
-- grain: one row per data row of grid_units.*, with its final reject reason (outside_region included)
with checked as (select * from stg_grid_units_checked),
located as (select * from geo_grid_units),
final as (
    select
        checked.* exclude (reject_reason),
        located.lng as lng_wgs84,
        located.lat as lat_wgs84,
        located.h3_7, located.h3_8, located.h3_9, located.h3_10,
        located.street_code as street_code_located,
        located.grid_code as grid_code_located,
        coalesce(
            checked.reject_reason,
            case when located.outside_m > getvariable('region_buffer_m') then 'outside_region' end
        ) as reject_reason
    from checked
    left join located using (_row)
)
select * from final
