-- grain: one row per (res, h3) cell holding a staged taxpayer or grid unit, res 7–10 (data contract: hex_stats)
-- unique: res, h3
-- not_null: res, h3, n_taxpayers, n_units, n_linked, n_unregistered, n_not_found, n_high_risk
with resolutions as (select unnest([7, 8, 9, 10]) as res),
taxpayers as (select * from stg_taxpayers where h3_10 is not null),
units as (select * from stg_grid_units),
links as (select * from unit_links where method <> 'none'),
unregistered as (select record_id from discrepancies where kind = 'unregistered'),
-- address and status disagreements sit where the grid worker saw the business
mismatched as (select distinct record_id from discrepancies where kind = 'address_mismatch'),
conflicting as (select distinct record_id from discrepancies where kind = 'status_conflict'),
not_found as (select taxpayer_id from discrepancies where kind = 'not_found'),
tax_12m as (select taxpayer_id, tax_paid_12m as tax_paid from fct_taxpayer_declarations),
risk as (select taxpayer_id, risk_score, risk_level from taxpayer_risk),
has_declarations as (select count(*) > 0 as present from fct_taxpayer_declarations),
taxpayer_cells as (
    select
        resolutions.res,
        case resolutions.res when 7 then h3_7 when 8 then h3_8 when 9 then h3_9 else h3_10 end as h3,
        count(*) as n_taxpayers,
        count(*) filter (where taxpayers.status = '正常') as n_active,
        count(not_found.taxpayer_id) as n_not_found,
        count(*) filter (where risk.risk_level = 'high') as n_high_risk,
        round(avg(risk.risk_score), 2) as risk_mean,
        sum(coalesce(tax_12m.tax_paid, 0)) as tax_paid_12m
    from taxpayers
    cross join resolutions
    left join tax_12m using (taxpayer_id)
    left join not_found using (taxpayer_id)
    left join risk using (taxpayer_id)
    group by all
),
unit_cells as (
    select
        resolutions.res,
        case resolutions.res when 7 then h3_7 when 8 then h3_8 when 9 then h3_9 else h3_10 end as h3,
        count(*) as n_units,
        count(links.record_id) as n_linked,
        count(unregistered.record_id) as n_unregistered,
        count(mismatched.record_id) as n_address_mismatch,
        count(conflicting.record_id) as n_status_conflict
    from units
    cross join resolutions
    left join links using (record_id)
    left join unregistered using (record_id)
    left join mismatched using (record_id)
    left join conflicting using (record_id)
    group by all
),
final as (
    select
        coalesce(t.res, u.res) as res,
        coalesce(t.h3, u.h3) as h3,
        coalesce(t.n_taxpayers, 0) as n_taxpayers,
        coalesce(t.n_active, 0) as n_active,
        coalesce(u.n_units, 0) as n_units,
        coalesce(u.n_linked, 0) as n_linked,
        coalesce(u.n_unregistered, 0) as n_unregistered,
        coalesce(t.n_not_found, 0) as n_not_found,
        coalesce(u.n_address_mismatch, 0) as n_address_mismatch,
        coalesce(u.n_status_conflict, 0) as n_status_conflict,
        coalesce(t.n_high_risk, 0) as n_high_risk,
        -- mean score of the cell's taxpayers; empty for a cell with grid units only
        t.risk_mean,
        -- unknown, not zero, when the bureau sent no declarations at all
        case when (select present from has_declarations) then coalesce(t.tax_paid_12m, 0) end as tax_paid_12m
    from taxpayer_cells as t
    full outer join unit_cells as u on t.res = u.res and t.h3 = u.h3
)
select * from final order by res, h3
