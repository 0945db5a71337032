-- ephemeral
-- grain: one row per data row of declarations.*, parsed, with its reject reason
-- (amounts are parsed here, once: the staged view only filters)
with source as (select * from raw_declarations),
taxpayers as (select taxpayer_id from stg_taxpayers),
-- taxpayer_id normalised as in stg_taxpayers_checked, before the duplicate check and the join to taxpayers
keyed as (
    select
        * replace (norm_id(taxpayer_id) as taxpayer_id),
        taxpayer_id as taxpayer_id_raw
    from source
),
identity as (
    select
        _row,
        taxpayer_id,
        taxpayer_id_raw,
        tax_type,
        parse_period(period) as period,
        period as period_raw,
        case
            when _malformed then 'malformed_row'
            when taxpayer_id is null or period is null or tax_type is null then 'missing_key'
            when parse_period(period) is null then 'period_invalid'
        end as identity_reject,
        sales_amount, tax_payable, tax_paid, invoice_out_amount, invoice_in_amount
    from keyed
),
-- Tens of millions of rows: find the repeated keys with an aggregate rather than a window over all rows.
repeated as (
    select taxpayer_id, period, tax_type, min(_row) as first_row
    from identity
    where identity_reject is null
    group by all
    having count(*) > 1
),
decided as (
    select
        identity.*,
        coalesce(
            identity_reject,
            case when repeated.first_row is not null and identity._row > repeated.first_row then 'duplicate_key' end
        ) as reject_reason
    from identity
    left join repeated using (taxpayer_id, period, tax_type)
),
parsed as (
    select
        *,
        parse_amount(sales_amount) as sales_num,
        parse_amount(tax_payable) as payable_num,
        parse_amount(tax_paid) as paid_num,
        parse_amount(invoice_out_amount) as out_num,
        parse_amount(invoice_in_amount) as in_num
    from decided
),
-- The row as written travels only with rejected rows, so the raw table can go early.
final as (
    select
        _row, taxpayer_id, period, tax_type, reject_reason,
        taxpayer_id is distinct from taxpayer_id_raw as id_normalised,
        sales_num as sales_amount,
        payable_num as tax_payable,
        paid_num as tax_paid,
        out_num as invoice_out_amount,
        in_num as invoice_in_amount,
        (sales_amount is not null and sales_num is null)
            or (tax_payable is not null and payable_num is null)
            or (tax_paid is not null and paid_num is null)
            or (invoice_out_amount is not null and out_num is null)
            or (invoice_in_amount is not null and in_num is null) as amount_unparseable,
        taxpayer_id in (select taxpayer_id from taxpayers) as taxpayer_known,
        case when reject_reason is not null then json_object(
            'taxpayer_id', taxpayer_id_raw, 'period', period_raw, 'tax_type', tax_type,
            'sales_amount', sales_amount, 'tax_payable', tax_payable, 'tax_paid', tax_paid,
            'invoice_out_amount', invoice_out_amount, 'invoice_in_amount', invoice_in_amount
        ) end as raw
    from parsed
)
select * from final
