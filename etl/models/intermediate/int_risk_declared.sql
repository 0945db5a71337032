-- ephemeral
-- grain: one row per staged taxpayer with a staged declaration in the last twelve declared months
-- unique: taxpayer_id
-- not_null: taxpayer_id, vat_months, months_filed_mask
-- What the risk indicators read from the declarations, in one pass over them. Months are numbered
-- 0 (oldest) … 11 (newest declared period) and kept as bit masks: the months with a VAT return
-- (增值税), those with a non-zero one, those with only zero ones. Income tax (所得税 other than
-- 个人所得税) carries revenue; payable and paid add up every tax. The absolute rules compare figures within
-- a month: masks of the months where purchases exceed 1.5 x sales, invoices exceed the return, sales
-- carry no VAT, and so on.
with declarations as (select * from stg_declarations where taxpayer_known),
last_month as (
    select max(cast(left(period, 4) as integer) * 12 + cast(substr(period, 6, 2) as integer)) as n
    from declarations
),
indexed as (
    select
        taxpayer_id,
        cast(left(period, 4) as integer) * 12 + cast(substr(period, 6, 2) as integer)
            - (select n from last_month) + 11 as month_index,
        tax_type like '%增值税%' as is_vat,
        tax_type like '%所得税%' and tax_type not like '%个人%' as is_cit,
        coalesce(sales_amount, 0) as sales,
        coalesce(tax_payable, 0) as payable,
        coalesce(tax_paid, 0) as paid,
        coalesce(invoice_out_amount, 0) as invoice_out,
        coalesce(invoice_in_amount, 0) as invoice_in
    from declarations
),
masks as (
    select
        taxpayer_id,
        coalesce(bit_or(1::bigint << month_index) filter (where is_vat), 0) as months_filed_mask,
        coalesce(bit_or(1::bigint << month_index) filter (where is_vat and (sales <> 0 or invoice_out <> 0)), 0)
            as months_active_mask,
        coalesce(bit_or(1::bigint << month_index) filter (where is_vat and sales = 0 and invoice_out = 0), 0)
            as months_zero_mask,
        coalesce(sum(sales) filter (where is_vat), 0) as sales_12m,
        coalesce(sum(payable) filter (where is_vat), 0) as vat_payable_12m,
        coalesce(sum(invoice_out) filter (where is_vat), 0) as invoice_out_12m,
        coalesce(sum(invoice_in) filter (where is_vat), 0) as invoice_in_12m,
        coalesce(sum(sales) filter (where is_cit), 0) as cit_revenue_12m,
        coalesce(sum(payable) filter (where is_cit), 0) as cit_payable_12m,
        sum(payable) as tax_payable_12m,
        sum(paid) as tax_paid_12m,
        coalesce(sum(sales) filter (where is_vat and month_index >= 9), 0) as sales_last3,
        coalesce(sum(sales) filter (where is_vat and month_index < 9), 0) as sales_prev9,
        coalesce(sum(invoice_out) filter (where is_vat and month_index >= 9), 0) as invoice_out_last3,
        coalesce(sum(invoice_out) filter (where is_vat and month_index < 9), 0) as invoice_out_prev9,
        coalesce(sum(payable) filter (where is_vat and month_index >= 9), 0) as vat_payable_last3,
        coalesce(sum(payable) filter (where is_vat and month_index < 9), 0) as vat_payable_prev9,
        -- months compared within the month, for the absolute rules (a bit per month, set by any of its rows):
        -- purchases (invoices received) above 1.5 x the month's declared sales
        coalesce(bit_or(1::bigint << month_index) filter (
            where is_vat and invoice_in >= 1e4 and invoice_in > 1.5 * sales), 0) as months_purchase_over_mask,
        -- invoices issued above the month's declared sales (票表比对: every invoiced sale is a declared sale)
        coalesce(bit_or(1::bigint << month_index) filter (
            where is_vat and invoice_out >= 1e4 and invoice_out > 1.05 * sales + 1000), 0) as months_invoice_over_mask,
        -- sales declared, no VAT payable
        coalesce(bit_or(1::bigint << month_index) filter (where is_vat and sales > 0 and payable <= 0), 0)
            as months_nil_tax_mask,
        -- more than the small-scale monthly exemption (CNY 100,000) declared, no VAT payable
        coalesce(bit_or(1::bigint << month_index) filter (where is_vat and sales > 1e5 and payable <= 0), 0)
            as months_above_exempt_nil_mask,
        -- sales just under the small-scale monthly exemption (CNY 90,000-100,000)
        coalesce(bit_or(1::bigint << month_index) filter (where is_vat and sales >= 9e4 and sales <= 1e5), 0)
            as months_near_exempt_mask,
        -- a zero VAT return (no sales, no invoices issued) while purchase invoices came in
        coalesce(bit_or(1::bigint << month_index) filter (
            where is_vat and sales = 0 and invoice_out = 0 and invoice_in >= 1e4), 0) as months_zero_with_input_mask,
        -- income-tax revenue declared
        coalesce(bit_or(1::bigint << month_index) filter (where is_cit and sales > 0), 0) as months_cit_revenue_mask,
        -- less paid than payable (any tax)
        coalesce(bit_or(1::bigint << month_index) filter (
            where payable - paid >= 1000 and paid < 0.8 * payable), 0) as months_underpaid_mask,
        coalesce(max(invoice_out) filter (where is_vat), 0) as max_month_invoice_out,
        -- the smallest and largest non-zero sales of a return (equal: the same figure every month)
        coalesce(min(sales) filter (where is_vat and sales > 0), 0) as min_month_sales,
        coalesce(max(sales) filter (where is_vat and sales > 0), 0) as max_month_sales,
        bit_count(coalesce(bit_or(1::bigint << month_index) filter (where is_vat and sales > 0), 0))::integer
            as n_sales_months
    from indexed
    where month_index between 0 and 11
    group by taxpayer_id
),
final as (
    select
        *,
        -- the window's newest month as year * 12 + month (the same on every row)
        (select n from last_month) as window_end_month,
        bit_count(months_filed_mask)::integer as vat_months,
        bit_count(months_filed_mask >> 9)::integer as vat_months_last3,
        bit_count(months_filed_mask & 511)::integer as vat_months_prev9,
        bit_count(months_zero_mask & ~months_active_mask)::integer as zero_months,
        case when months_filed_mask > 0 then floor(log2(months_filed_mask))::integer end as last_vat_index,
        case when months_active_mask > 0 then floor(log2(months_active_mask))::integer end as last_active_index,
        -- zero returns in a row up to the newest month filed: zero-only months after the last active one
        bit_count((months_zero_mask & ~months_active_mask)
                  >> coalesce(floor(log2(nullif(months_active_mask, 0)))::integer + 1, 0))::integer
            as trailing_zero_months
    from masks
)
select * from final
