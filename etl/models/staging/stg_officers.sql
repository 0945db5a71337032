-- grain: one row per staged officer
-- unique: officer_id
-- not_null: officer_id, name
with checked as (select * from stg_officers_checked where reject_reason is null),
roles as (select value, canonical from ref_values where kind = 'officer_role'),
final as (
    select
        officer_id,
        name,
        roles.canonical as role,
        checked.role as role_raw,
        street_code,
        list_filter(list_transform(string_split(coalesce(grid_codes, ''), ';'), x -> trim(x)), x -> x <> '')
            as grid_codes,
        phone,
        _row as source_row,
        list_filter([case when roles.canonical is null then 'role_unknown' end], x -> x is not null)
            as quality_issues
    from checked
    left join roles on roles.value = checked.role
)
select * from final order by officer_id
