-- indicator: OPS01
-- portrait: operating
-- name_zh: 非正常或注销户仍在经营
-- name_en: Deregistered or abnormal, still trading
-- needs: grid_units
-- weight: 0.5
-- logic_zh: 登记状态为非正常或注销，网格员却采集到其经营单位在营（漏征漏管）
-- logic_en: registered as abnormal (非正常) or deregistered (注销) while a grid worker found it operating (在营): trading outside the tax net
-- reason_zh: 登记状态“{status}”，网格采集为“在营”
-- reason_en: registered as “{status}” but recorded as operating by the grid worker
select
    taxpayer_id,
    case when status = '注销' then 1.0 else 0.8 end as severity,
    1 as value,
    status
from int_risk_profile
where status in ('非正常', '注销') and unit_operating
