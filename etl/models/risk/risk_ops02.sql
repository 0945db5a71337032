-- indicator: OPS02
-- portrait: operating
-- name_zh: 正常户经营场所已停业或搬离
-- name_en: Active registration, premises closed
-- needs: grid_units
-- weight: 0.3
-- logic_zh: 登记状态正常，而网格员采集其经营单位为停业、空置或已搬离（见 discrepancies 的 status_conflict）
-- logic_en: registered as active (正常) while the grid worker recorded its premises as suspended, vacant or moved out (discrepancies kind status_conflict)
-- reason_zh: 登记状态正常，网格采集为“{unit_statuses}”
-- reason_en: registered as active, recorded by the grid worker as “{unit_statuses}”
select
    taxpayer_id,
    0.75 as severity,
    1 as value,
    unit_statuses
from int_risk_profile
where status = '正常' and status_conflict and not coalesce(unit_operating, false)
