-- ephemeral
-- grain: one row per discrepancy the survey raises (data contract: discrepancies), before verified results apply, with the result that decides it (docs/task-results.md)
-- unique: kind, taxpayer_id, record_id
-- not_null: kind, detail, lng, lat, resolved
-- accepted: resolved = coalesce(state = 'resolved', false)
-- accepted: state is null or state in ('resolved', 'confirmed', 'raised_again')
with units as (select * from stg_grid_units),
taxpayers as (select * from stg_taxpayers),
links as (select * from unit_links where method <> 'none'),
reviews as (select * from unit_links where needs_review),
-- a surveyed grid has at least one unit collected in the survey window (default: every record)
surveyed as (
    select distinct grid_code from units
    where getvariable('survey_start') is null and getvariable('survey_end') is null
       or (collected_at is not null
           and (getvariable('survey_start') is null or collected_at >= getvariable('survey_start')::timestamp)
           and (getvariable('survey_end') is null
                or collected_at < getvariable('survey_end')::timestamp + interval 1 day))
),
pairs as (
    select
        links.record_id, links.taxpayer_id, links.method, links.match_probability,
        units.operating_status, taxpayers.status,
        units.lng, units.lat, units.street_code, units.grid_code,
        units.unit_name, taxpayers.name,
        haversine_m(units.lng, units.lat, taxpayers.lng, taxpayers.lat) as distance_m
    from links
    join units using (record_id)
    join taxpayers using (taxpayer_id)
),
unregistered as (
    select
        'unregistered' as kind, null::varchar as taxpayer_id, units.record_id,
        units.lng, units.lat, units.street_code, units.grid_code,
        '网格采集在营单位「' || units.unit_name || '」未匹配到税务登记'
            || coalesce('；疑似对应「' || candidate.name || '」（匹配概率 '
                        || printf('%.2f', reviews.match_probability) || '，待核实）', '') as detail
    from units
    left join reviews using (record_id)
    left join taxpayers as candidate on candidate.taxpayer_id = reviews.review_taxpayer_id
    where units.operating_status = '在营'
      and units.record_id not in (select record_id from links)
),
not_found as (
    select
        'not_found' as kind, taxpayers.taxpayer_id, null::varchar as record_id,
        taxpayers.lng, taxpayers.lat, taxpayers.street_code, taxpayers.grid_code,
        '登记状态正常的「' || taxpayers.name || '」所在网格已采集，但未发现对应经营单位' as detail
    from taxpayers
    where taxpayers.status = '正常'
      and taxpayers.lng is not null
      and taxpayers.grid_code in (select grid_code from surveyed)
      and taxpayers.taxpayer_id not in (select taxpayer_id from links)
),
address_mismatch as (
    select
        'address_mismatch' as kind, taxpayer_id, record_id, lng, lat, street_code, grid_code,
        '登记地址距实际经营地 ' || distance_text(distance_m) || '（「' || name || '」，网格采集为「' || unit_name || '」）'
            as detail
    from pairs
    where distance_m > getvariable('address_mismatch_m')
),
status_conflict as (
    select
        'status_conflict' as kind, taxpayer_id, record_id, lng, lat, street_code, grid_code,
        '网格采集经营状态为「' || operating_status || '」，税务登记状态为「' || status || '」（「' || name || '」）'
            as detail
    from pairs
    where (operating_status = '在营' and status in ('注销', '非正常'))
       or (operating_status in ('停业', '空置', '已搬离') and status = '正常')
),
raised as (
    select * from unregistered
    union all select * from not_found
    union all select * from address_mismatch
    union all select * from status_conflict
),
-- the latest results per (record_id, taxpayer_id) that apply to a discrepancy: they name the discrepancy's
-- unit or taxpayer, and no other unit or taxpayer than the discrepancy's own (docs/task-results.md)
results as (select * from stg_task_results where is_latest),
resolves as (
    select value as result_code, canonical as discrepancy_kind
    from ref_values where kind = 'task_result_resolves'
),
numbered as (select *, row_number() over (order by kind, record_id, taxpayer_id) as _d from raised),
applying as (
    select numbered._d, results.*
    from numbered
    join results on results.record_id = numbered.record_id
    where numbered.taxpayer_id is null or results.taxpayer_id is null or results.taxpayer_id = numbered.taxpayer_id
    union all
    select numbered._d, results.*
    from numbered
    join results on results.taxpayer_id = numbered.taxpayer_id
    where numbered.record_id is null or results.record_id is null
),
-- the most recent of them decides
deciding as (
    select * from applying
    qualify row_number() over (partition by _d order by verified_at desc, source_row desc) = 1
),
decided as (
    select
        numbered.* exclude (_d),
        deciding.result,
        deciding.result_code,
        deciding.verified_at,
        deciding.task_id,
        deciding.officer_id,
        deciding.note,
        deciding.source_row as result_row,
        case
            when deciding._d is null then null
            when resolves.discrepancy_kind is null then 'confirmed'
            -- newer evidence: the discrepancy's unit was collected again after the verification
            when units.collected_at > deciding.verified_at then 'raised_again'
            else 'resolved'
        end as state
    from numbered
    left join deciding using (_d)
    left join resolves
        on resolves.result_code = deciding.result_code and resolves.discrepancy_kind = numbered.kind
    left join units on units.record_id = numbered.record_id
),
final as (select *, coalesce(state = 'resolved', false) as resolved from decided)
select * from final order by kind, coalesce(record_id, ''), coalesce(taxpayer_id, '')
