-- ephemeral
-- grain: one row per staged taxpayer: the facts the risk indicators read (docs/risk.md)
-- unique: taxpayer_id
-- not_null: taxpayer_id, peer_group, months_expected
-- Twelve-month declaration sums, the grid survey's view (linked unit, discrepancies), and the
-- taxpayers it shares a phone, a legal representative or an address with. Indicators compare a
-- taxpayer with its peers: same industry division (GB/T 4754) and taxpayer type when the group has
-- 30 declaring members, else the industry category, else the taxpayer type alone.
with taxpayers as (select * from stg_taxpayers),
declared as (select * from int_risk_declared),
features as (select taxpayer_id, category from int_link_taxpayers),
-- the newest declared month (year * 12 + month), or the survey's end without declarations
last_month as (
    select coalesce(
        (select max(window_end_month) from declared),
        year(coalesce(getvariable('survey_end'), current_date)) * 12 + month(coalesce(getvariable('survey_end'), current_date))
    ) as n
),
grid_survey as (
    select grid_code, count(*) as grid_units
    from stg_grid_units
    where collected_at::date between coalesce(getvariable('survey_start'), date '1900-01-01')
                                 and coalesce(getvariable('survey_end'), date '2999-12-31')
    group by grid_code
),
units as (
    select
        links.taxpayer_id,
        count(*) as n_units,
        bool_or(units.operating_status = '在营') as unit_operating,
        string_agg(distinct units.operating_status, '、' order by units.operating_status) as unit_statuses,
        arg_max(units.business_category, units.collected_at) as unit_category
    from unit_links as links
    join stg_grid_units as units using (record_id)
    where links.method <> 'none'
    group by links.taxpayer_id
),
found as (
    select
        taxpayer_id,
        bool_or(kind = 'not_found') as not_found,
        bool_or(kind = 'address_mismatch') as address_mismatch,
        bool_or(kind = 'status_conflict') as status_conflict,
        string_agg(detail, '；' order by detail) filter (where kind = 'address_mismatch') as address_mismatch_detail,
        string_agg(detail, '；' order by detail) filter (where kind = 'status_conflict') as status_conflict_detail
    from discrepancies
    where taxpayer_id is not null
    group by taxpayer_id
),
keyed as (
    select
        taxpayers.*,
        left(industry_code, 2) as division,
        features.category,
        nullif(regexp_replace(phone, '[^0-9]', '', 'g'), '') as phone_key,
        nullif(upper(trim(legal_rep_id)), '') as legal_rep_key,
        nullif(regexp_replace(reg_address, '\s', '', 'g'), '') as address_key,
        status in ('非正常') or credit_rating = 'D' as is_bad
    from taxpayers
    left join features using (taxpayer_id)
),
-- every other taxpayer reached through a shared phone or legal representative
related_pairs as (
    select distinct a.taxpayer_id, b.taxpayer_id as other_id
    from keyed as a join keyed as b on a.phone_key = b.phone_key and a.taxpayer_id <> b.taxpayer_id
    union
    select a.taxpayer_id, b.taxpayer_id
    from keyed as a join keyed as b on a.legal_rep_key = b.legal_rep_key and a.taxpayer_id <> b.taxpayer_id
),
related as (
    select
        pairs.taxpayer_id,
        count(*) as n_related,
        count(*) filter (where other.is_bad) as n_related_bad,
        count(*) filter (where other.reg_date >= keyed_self.reg_date - interval 180 day
                           and other.reg_date <= keyed_self.reg_date + interval 180 day) as n_related_same_time
    from related_pairs as pairs
    join keyed as other on other.taxpayer_id = pairs.other_id
    join keyed as keyed_self on keyed_self.taxpayer_id = pairs.taxpayer_id
    group by pairs.taxpayer_id
),
joined as (
    select
        keyed.taxpayer_id,
        keyed.name,
        keyed.status,
        keyed.credit_rating,
        keyed.industry_code,
        keyed.division,
        keyed.category,
        coalesce(keyed.taxpayer_type, '') as taxpayer_type,
        keyed.entity_type,
        keyed.street_code,
        keyed.grid_code,
        coalesce(grid_survey.grid_units, 0) as grid_units,
        keyed.reg_date,
        keyed.phone_key,
        keyed.legal_rep_key,
        keyed.address_key,
        case when keyed.reg_date is not null
             then (select n from last_month) - (year(keyed.reg_date) * 12 + month(keyed.reg_date)) end as age_months,
        -- months of the window the taxpayer should have filed VAT in: from its registration month, while 正常
        case when keyed.status = '正常'
             then 12 - least(12, greatest(0, coalesce(
                 year(keyed.reg_date) * 12 + month(keyed.reg_date) - (select n from last_month) + 11, 0)))
             else 0 end as months_expected,
        declared.* exclude (taxpayer_id, trailing_zero_months, window_end_month),
        declared.taxpayer_id is not null as has_declarations,
        coalesce(declared.trailing_zero_months, 0) as trailing_zero_months,
        units.n_units,
        units.unit_operating,
        units.unit_statuses,
        units.unit_category,
        coalesce(found.not_found, false) as not_found,
        coalesce(found.address_mismatch, false) as address_mismatch,
        coalesce(found.status_conflict, false) as status_conflict,
        found.address_mismatch_detail,
        found.status_conflict_detail,
        coalesce(phones.n, 1) as n_same_phone,
        coalesce(reps.n, 1) as n_same_legal_rep,
        coalesce(addresses.n, 1) as n_same_address,
        coalesce(related.n_related, 0) as n_related,
        coalesce(related.n_related_bad, 0) as n_related_bad,
        coalesce(related.n_related_same_time, 0) as n_related_same_time
    from keyed
    left join declared using (taxpayer_id)
    left join grid_survey using (grid_code)
    left join units using (taxpayer_id)
    left join found using (taxpayer_id)
    left join related using (taxpayer_id)
    left join (select phone_key, count(*) as n from keyed where phone_key is not null group by 1) as phones
        using (phone_key)
    left join (select legal_rep_key, count(*) as n from keyed where legal_rep_key is not null group by 1) as reps
        using (legal_rep_key)
    left join (select address_key, count(*) as n from keyed where address_key is not null group by 1) as addresses
        using (address_key)
),
-- peer-group sizes by aggregation, joined back (a filtered window count over whole partitions is far slower)
division_peers as (
    select division, taxpayer_type, count(*) filter (where sales_12m > 0) as n_division_peers
    from joined group by all
),
category_peers as (
    select category, taxpayer_type, count(*) filter (where sales_12m > 0) as n_category_peers
    from joined group by all
),
groups as (
    select joined.*, division_peers.n_division_peers, category_peers.n_category_peers
    from joined
    left join division_peers
        on division_peers.division is not distinct from joined.division
        and division_peers.taxpayer_type = joined.taxpayer_type
    left join category_peers
        on category_peers.category is not distinct from joined.category
        and category_peers.taxpayer_type = joined.taxpayer_type
),
final as (
    select
        groups.* exclude (n_division_peers, n_category_peers, n_same_phone, n_same_legal_rep, n_same_address),
        case
            when division is not null and n_division_peers >= 30 then 'division:' || division || '|' || taxpayer_type
            when category is not null and n_category_peers >= 30 then 'category:' || category || '|' || taxpayer_type
            else 'type:' || taxpayer_type
        end as peer_group,
        case when phone_key is null then 0 else n_same_phone - 1 end as n_other_same_phone,
        case when legal_rep_key is null then 0 else n_same_legal_rep - 1 end as n_other_same_legal_rep,
        case when address_key is null then 0 else n_same_address - 1 end as n_other_same_address
    from groups
)
select * from final
