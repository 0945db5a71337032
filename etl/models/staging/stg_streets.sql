-- grain: one row per staged street
-- unique: street_code
-- not_null: street_code, street_name, geom
with checked as (select * from stg_streets_checked),
final as (
    select
        street_code,
        street_name,
        district_code,
        district_name,
        st_geomfromwkb(geom_wkb) as geom,
        _row as source_row,
        issues as quality_issues
    from checked
    where reject_reason is null
)
select * from final order by street_code
