-- grain: one row per discrepancy between the grid survey and the registrations (data contract: discrepancies)
-- unique: kind, taxpayer_id, record_id
-- not_null: kind, detail, lng, lat
-- accepted: kind in ('unregistered', 'not_found', 'address_mismatch', 'status_conflict')
-- accepted: (kind = 'unregistered') = (taxpayer_id is null) and (kind = 'not_found') = (record_id is null)
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
final as (
    select * from unregistered
    union all select * from not_found
    union all select * from address_mismatch
    union all select * from status_conflict
)
select * from final order by kind, coalesce(record_id, ''), coalesce(taxpayer_id, '')
