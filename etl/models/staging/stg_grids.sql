-- grain: one row per staged grid
-- unique: grid_code
-- not_null: grid_code, geom
with checked as (select * from stg_grids_checked),
final as (
    select
        grid_code,
        coalesce(grid_name, grid_code) as grid_name,
        street_code,
        street_code_raw,
        st_geomfromwkb(geom_wkb) as geom,
        _row as source_row,
        issues as quality_issues
    from checked
    where reject_reason is null
)
select * from final order by grid_code
