-- indicator: DEC09
-- portrait: declaration
-- name_zh: 零申报却取得进项发票
-- name_en: Zero returns while buying
-- needs: declarations
-- weight: 0.4
-- logic_zh: ≥ 2 个月增值税零申报（无销售、无开票）而当月取得发票 ≥ 1 万元（有购进无销售）
-- logic_en: 2 or more zero VAT returns (no sales, no invoices issued) in months it received CNY 10,000 or more of invoices (buying without selling)
-- reason_zh: {value:int} 个月零申报，同期取得发票 {invoice_in:wan} 万元
-- reason_en: {value:int} zero VAT returns in months it received invoices; CNY {invoice_in:m} m received in 12 months
-- threshold source: set by judgement (no published value): a business that buys goods or services
-- month after month sells something; zero returns beside purchases mean unreported sales or input VAT
-- collected for others. Absolute: no peer distribution involved.
select
    taxpayer_id,
    risk_ramp(bit_count(months_zero_with_input_mask), 2, 8) as severity,
    bit_count(months_zero_with_input_mask) as value,
    invoice_in_12m as invoice_in
from int_risk_profile
where bit_count(months_zero_with_input_mask) >= 2
