-- grain: one row per staged grid unit (accepted rows of grid_units.*)
-- unique: record_id
-- not_null: record_id, unit_name, lng, lat, h3_10, street_code, source_row
with screened as (select * from stg_grid_units_screened where reject_reason is null),
grids as (select grid_code, street_code from stg_grids),
statuses as (select value, canonical from ref_values where kind = 'operating_status'),
joined as (
    select
        screened.*,
        known_grid.grid_code as grid_code_known,
        known_grid.street_code as grid_street_code,
        statuses.canonical as status_name,
        parse_timestamp(screened.collected_at) as collected_at_parsed,
        -- uscc normalised as taxpayer_id is (stg_taxpayers_checked), so that it links to its taxpayer
        norm_id(screened.uscc) as uscc_key
    from screened
    left join grids as known_grid on known_grid.grid_code = screened.grid_code
    left join statuses on statuses.value = screened.operating_status
),
final as (
    select
        record_id,
        -- The grid worker's grid is authoritative; the position decides only when it is unknown.
        coalesce(grid_code_known, grid_code_located) as grid_code,
        coalesce(grid_street_code, street_code_located) as street_code,
        unit_name,
        uscc_key as uscc,
        uscc as uscc_raw,
        address,
        building_id,
        lng_wgs84 as lng,
        lat_wgs84 as lat,
        h3_7, h3_8, h3_9, h3_10,
        status_name as operating_status,
        operating_status as operating_status_raw,
        business_category,
        collected_at_parsed as collected_at,
        collector_id,
        grid_code as grid_code_raw,
        lng as lng_raw,
        lat as lat_raw,
        coord_sys as coord_sys_raw,
        coord_sys_name as coord_sys,
        _row as source_row,
        list_filter([
            case when uscc_key is distinct from uscc then 'id_normalised' end,
            case when position_swapped then 'lng_lat_swapped' end,
            case when grid_code_known is null then 'grid_code_unknown' end,
            case when collected_at_parsed is null then 'collected_at_unparseable' end,
            case when status_name is null then 'operating_status_unknown' end
        ], x -> x is not null) as quality_issues
    from joined
)
select * from final order by record_id
