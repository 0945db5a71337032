-- grain: one row per (street, declared period) of the last 24 declared months: the big screen's tax trend
-- unique: street_code, period
-- not_null: street_code, period, tax_paid, n_declaring
with declarations as (select * from stg_declarations where taxpayer_known),
window_start as (
    select strftime(strptime(max(period) || '-01', '%Y-%m-%d') - interval 23 month, '%Y-%m') as period
    from declarations
),
located as (select taxpayer_id, street_code from stg_taxpayers where street_code is not null),
final as (
    select
        located.street_code,
        declarations.period,
        coalesce(sum(declarations.tax_paid::decimal(38, 2)), 0) as tax_paid,
        coalesce(sum(declarations.tax_payable::decimal(38, 2)), 0) as tax_payable,
        count(distinct declarations.taxpayer_id) as n_declaring
    from declarations
    join located using (taxpayer_id)
    where declarations.period >= (select period from window_start)
    group by all
)
select * from final order by street_code, period
