-- ephemeral
-- materialized: view
-- grain: one row per staged declaration (taxpayer, period, tax type)
-- Not published: tens of millions of rows that the marts (fct_taxpayer_declarations, risk) summarise;
-- a view, so the rows are not copied once more.
with checked as (select * from stg_declarations_checked where reject_reason is null),
final as (
    select
        taxpayer_id,
        period,
        tax_type,
        sales_amount,
        tax_payable,
        tax_paid,
        invoice_out_amount,
        invoice_in_amount,
        taxpayer_known,
        _row as source_row,
        list_filter([
            case when id_normalised then 'id_normalised' end,
            case when not taxpayer_known then 'taxpayer_unknown' end,
            case when amount_unparseable then 'amount_unparseable' end
        ], x -> x is not null) as quality_issues
    from checked
)
select * from final
