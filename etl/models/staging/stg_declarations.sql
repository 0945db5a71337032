-- grain: one row per staged declaration (taxpayer, period, tax type)
-- unique: taxpayer_id, period, tax_type
-- not_null: taxpayer_id, period, tax_type
with checked as (select * from stg_declarations_checked where reject_reason is null),
taxpayers as (select taxpayer_id from stg_taxpayers),
parsed as (
    select
        checked.*,
        parse_amount(sales_amount) as sales_amount_num,
        parse_amount(tax_payable) as tax_payable_num,
        parse_amount(tax_paid) as tax_paid_num,
        parse_amount(invoice_out_amount) as invoice_out_num,
        parse_amount(invoice_in_amount) as invoice_in_num,
        taxpayers.taxpayer_id is not null as taxpayer_known
    from checked
    left join taxpayers using (taxpayer_id)
),
final as (
    select
        taxpayer_id,
        period,
        tax_type,
        sales_amount_num as sales_amount,
        tax_payable_num as tax_payable,
        tax_paid_num as tax_paid,
        invoice_out_num as invoice_out_amount,
        invoice_in_num as invoice_in_amount,
        _row as source_row,
        list_filter([
            case when not taxpayer_known then 'taxpayer_unknown' end,
            case when (sales_amount is not null and sales_amount_num is null)
                or (tax_payable is not null and tax_payable_num is null)
                or (tax_paid is not null and tax_paid_num is null)
                or (invoice_out_amount is not null and invoice_out_num is null)
                or (invoice_in_amount is not null and invoice_in_num is null)
                then 'amount_unparseable' end
        ], x -> x is not null) as quality_issues
    from parsed
)
select * from final
