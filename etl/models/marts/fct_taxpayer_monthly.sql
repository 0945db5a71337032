-- grain: one row per (staged taxpayer, declared period) of the last 24 declared months: tax by month for a chosen period
-- unique: taxpayer_id, period
-- not_null: taxpayer_id, period, tax_paid, tax_payable
-- The per-taxpayer months behind /analysis's period filter (taxmap.data.analysis): the sums of a cell's
-- taxpayers over any months of the window, under the same disclosure control as tax_paid_12m.
with declarations as (select * from stg_declarations where taxpayer_known),
window_start as (
    -- the same window as street_tax_monthly: 24 months ending with the newest declared period
    select strftime(strptime(max(period) || '-01', '%Y-%m-%d') - interval 23 month, '%Y-%m') as period
    from declarations
),
final as (
    select
        taxpayer_id,
        period,
        -- money in exact decimals (fen), summed over the period's tax types
        coalesce(sum(tax_paid::decimal(38, 2)), 0)::decimal(38, 2) as tax_paid,
        coalesce(sum(tax_payable::decimal(38, 2)), 0)::decimal(38, 2) as tax_payable
    from declarations
    where period >= (select period from window_start)
    group by taxpayer_id, period
)
-- by period: a chosen span of months reads only its row groups (zone maps), 2.5× faster at baoan
select * from final order by period, taxpayer_id
