-- grain: one row per (street, declared period) of the last 24 declared months: the big screen's tax trend
-- unique: street_code, period
-- not_null: street_code, period, tax_paid, n_declaring
-- The sums of fct_taxpayer_monthly (which holds the 24-month window) over each street's taxpayers.
with located as (select taxpayer_id, street_code from stg_taxpayers where street_code is not null),
final as (
    select
        located.street_code,
        monthly.period,
        sum(monthly.tax_paid)::decimal(38, 2) as tax_paid,
        sum(monthly.tax_payable)::decimal(38, 2) as tax_payable,
        count(*) as n_declaring  -- one row per taxpayer and month
    from fct_taxpayer_monthly as monthly
    join located using (taxpayer_id)
    group by all
)
select * from final order by street_code, period
