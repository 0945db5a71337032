-- indicator: REG04
-- portrait: registration
-- name_zh: 登记地址无法定位
-- name_en: Registered address cannot be located
-- needs: position
-- weight: 0.15
-- logic_zh: 登记状态正常，但登记地址没有可用坐标或不在辖区内（地址虚假或登记有误）
-- logic_en: registered as active (正常) but its address has no usable position inside the region (false or mistyped address)
-- reason_zh: 登记地址“{address}”无法定位到辖区内
-- reason_en: registered address “{address}” cannot be located inside the region
select
    taxpayers.taxpayer_id,
    0.6 as severity,
    1 as value,
    taxpayers.reg_address as address
from stg_taxpayers as taxpayers
where taxpayers.status = '正常' and taxpayers.h3_10 is null
