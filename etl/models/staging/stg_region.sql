-- grain: one row: the region, the union of the staged streets
-- not_null: geom, geom_metric
with streets as (select * from stg_streets),
final as (
    select
        st_union_agg(geom) as geom,
        st_transform(st_union_agg(geom), 'EPSG:4326', getvariable('metric_crs'), always_xy := true) as geom_metric
    from streets
)
select * from final
