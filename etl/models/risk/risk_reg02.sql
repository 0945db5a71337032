-- indicator: REG02
-- portrait: registration
-- name_zh: 实际经营地与登记地址不符
-- name_en: Operating away from the registered address
-- needs: grid_units
-- weight: 0.2
-- logic_zh: 网格员采集的经营位置距登记地址超过阈值（默认 500 米；见 discrepancies 的 address_mismatch）
-- logic_en: the grid worker found the business more than the threshold (500 m by default) from its registered address (discrepancies kind address_mismatch)
-- reason_zh: {detail}
-- reason_en: {detail}
select
    taxpayer_id,
    0.75 as severity,
    1 as value,
    address_mismatch_detail as detail
from int_risk_profile
where address_mismatch
