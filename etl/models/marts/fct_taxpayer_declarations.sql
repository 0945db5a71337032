-- grain: one row per staged taxpayer with a staged declaration in the last twelve declared months
-- unique: taxpayer_id
-- not_null: taxpayer_id, months_declared, tax_paid_12m
with declarations as (select * from stg_declarations where taxpayer_known),
window_start as (
    -- the twelve months ending with the newest declared period, as a 'YYYY-MM' bound
    select strftime(strptime(max(period) || '-01', '%Y-%m-%d') - interval 11 month, '%Y-%m') as period
    from declarations
),
final as (
    select
        taxpayer_id,
        -- twelve consecutive months have twelve different month numbers: count them as bits
        bit_count(bit_or(1::bigint << cast(substr(period, 6, 2) as integer)))::bigint as months_declared,
        max(period) as last_period,
        -- money in exact decimals (fen): sums do not depend on the order threads add them in
        sum(sales_amount::decimal(38, 2)) as sales_12m,
        sum(tax_payable::decimal(38, 2)) as tax_payable_12m,
        coalesce(sum(tax_paid::decimal(38, 2)), 0) as tax_paid_12m,
        sum(invoice_out_amount::decimal(38, 2)) as invoice_out_12m,
        sum(invoice_in_amount::decimal(38, 2)) as invoice_in_12m
    from declarations
    where period >= (select period from window_start)
    group by taxpayer_id
)
select * from final order by taxpayer_id
