-- ephemeral
-- materialized: view
-- grain: one row per staged declaration (taxpayer, period, tax type)
-- Not published: tens of millions of rows that the marts (fct_taxpayer_declarations, risk) summarise;
-- a view, so the rows are not copied once more.
with checked as (select * from stg_declarations_checked where reject_reason is null),
taxpayers as (select taxpayer_id from stg_taxpayers),
final as (
    select
        checked.taxpayer_id,
        checked.period,
        checked.tax_type,
        checked.sales_amount,
        checked.tax_payable,
        checked.tax_paid,
        checked.invoice_out_amount,
        checked.invoice_in_amount,
        checked._row as source_row,
        list_filter([
            case when taxpayers.taxpayer_id is null then 'taxpayer_unknown' end,
            case when checked.amount_unparseable then 'amount_unparseable' end
        ], x -> x is not null) as quality_issues
    from checked
    left join taxpayers using (taxpayer_id)
)
select * from final
