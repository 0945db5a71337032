-- grain: one row per staged taxpayer (accepted rows of taxpayers.*)
-- unique: taxpayer_id
-- not_null: taxpayer_id, name, source_row
with checked as (select * from stg_taxpayers_checked where reject_reason is null),
located as (select * from geo_taxpayers),
id_checks as (select * from uscc_checks),
streets as (select street_code from stg_streets),
statuses as (select value, canonical from ref_values where kind = 'taxpayer_status'),
ratings as (select value, canonical from ref_values where kind = 'credit_rating'),
joined as (
    select
        checked.*,
        located.lng as lng_wgs84,
        located.lat as lat_wgs84,
        located.h3_7, located.h3_8, located.h3_9, located.h3_10,
        located.street_code as street_code_located,
        located.grid_code as grid_code_located,
        coalesce(
            checked.position_issue,
            case when located.outside_m > getvariable('region_buffer_m') then 'outside_region' end
        ) as position_issue_final,
        statuses.canonical as status_name,
        ratings.canonical as rating_name,
        parse_timestamp(checked.reg_date) as reg_date_parsed,
        known_street.street_code as street_code_known,
        length(checked.taxpayer_id) = 18 as uscc_length_ok,
        id_checks.uscc_valid
    from checked
    left join located using (_row)
    left join id_checks using (_row)
    left join statuses on statuses.value = checked.status
    left join ratings on ratings.value = upper(checked.credit_rating)
    left join streets as known_street on known_street.street_code = checked.street_code
),
final as (
    select
        taxpayer_id,
        taxpayer_id_raw,
        name,
        legal_rep,
        legal_rep_id,
        phone,
        reg_address,
        industry_code,
        industry_name,
        taxpayer_type,
        entity_type,
        reg_date_parsed::date as reg_date,
        status_name as status,
        status as status_raw,
        rating_name as credit_rating,
        case when position_issue_final is null then lng_wgs84 end as lng,
        case when position_issue_final is null then lat_wgs84 end as lat,
        case when position_issue_final is null then h3_7 end as h3_7,
        case when position_issue_final is null then h3_8 end as h3_8,
        case when position_issue_final is null then h3_9 end as h3_9,
        case when position_issue_final is null then h3_10 end as h3_10,
        -- The position decides where a taxpayer is; the registered code is the fallback.
        coalesce(case when position_issue_final is null then street_code_located end, street_code_known)
            as street_code,
        case when position_issue_final is null then grid_code_located end as grid_code,
        street_code as street_code_raw,
        lng as lng_raw,
        lat as lat_raw,
        coord_sys as coord_sys_raw,
        _row as source_row,
        list_filter([
            case when taxpayer_id is distinct from taxpayer_id_raw then 'id_normalised' end,
            case when position_swapped then 'lng_lat_swapped' end,
            position_issue_final,
            case
                when not uscc_length_ok then 'uscc_format'
                when not uscc_valid then 'uscc_check_digit'
            end,
            case when status_name is null then 'status_unknown' end,
            case when credit_rating is not null and rating_name is null then 'credit_rating_unknown' end,
            case when reg_date is not null and reg_date_parsed is null then 'reg_date_unparseable' end,
            case when street_code is not null and street_code_known is null then 'street_code_unknown' end
        ], x -> x is not null) as quality_issues
    from joined
)
select * from final order by taxpayer_id
