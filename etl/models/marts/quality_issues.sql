-- grain: one row per issue of a staged (kept and repaired) input row (data contract: quality_issues)
-- unique: source, row_number, issue
-- not_null: source, row_number, issue, detail
with unioned as (
    select 'streets' as source, source_row, street_code as record_key, quality_issues from stg_streets
    union all select 'grids', source_row, grid_code, quality_issues from stg_grids
    -- keys as written (data contract), not as normalised (id_normalised)
    union all select 'taxpayers', source_row, taxpayer_id_raw, quality_issues from stg_taxpayers
    union all select 'grid_units', source_row, record_id, quality_issues from stg_grid_units
    union all select 'declarations', source_row, taxpayer_id, quality_issues from stg_declarations
    union all select 'officers', source_row, officer_id, quality_issues from stg_officers
    union all select 'task_results', source_row, coalesce(record_id, taxpayer_id), quality_issues
        from stg_task_results
),
issues as (
    select source, source_row, record_key, unnest(quality_issues) as issue
    from unioned
    where len(quality_issues) > 0
),
descriptions as (select value, canonical from ref_values where kind = 'quality_issue'),
final as (
    select
        issues.source,
        issues.source_row as row_number,
        coalesce(issues.record_key, '') as record_key,
        issues.issue,
        descriptions.canonical as detail
    from issues
    left join descriptions on descriptions.value = issues.issue
)
select * from final order by source, row_number, issue
