-- indicator: OPS04
-- portrait: operating
-- name_zh: 非正常户
-- name_en: Abnormal taxpayer (非正常户)
-- needs:
-- weight: 0.3
-- logic_zh: 登记状态为非正常（失联或未按期申报被认定），结合网格结果判断是否走逃
-- logic_en: registered as abnormal (非正常: unreachable or not filing); the grid survey tells whether it absconded
-- reason_zh: 纳税人状态为“非正常”{unit_text}
-- reason_en: taxpayer status is abnormal (非正常){unit_text_en}
select
    taxpayer_id,
    case when n_units is null then 0.8 else 0.6 end as severity,
    1 as value,
    case when n_units is null then '，网格未发现经营单位' else '，网格采集为“' || unit_statuses || '”' end as unit_text,
    case when n_units is null then ', no premises found by the grid survey'
         else ', premises recorded as “' || unit_statuses || '”' end as unit_text_en
from int_risk_profile
where status = '非正常'
