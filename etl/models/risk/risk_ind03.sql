-- indicator: IND03
-- portrait: industry
-- name_zh: 实际经营类别与登记行业不符
-- name_en: Trade on the premises differs from the registered industry
-- needs: grid_units, industry_code
-- weight: 0.2
-- logic_zh: 网格员采集的经营类别与登记行业代码所属门类不同（如登记为软件，实际经营餐饮）
-- logic_en: the grid worker's trade category differs from the category of the registered industry code (registered as software, running a restaurant)
-- reason_zh: 登记行业“{category}”，网格采集经营类别“{unit_category}”
-- reason_en: registered industry “{category}”, trade recorded by the grid worker “{unit_category}”
select
    taxpayer_id,
    0.6 as severity,
    1 as value,
    category,
    unit_category
from int_risk_profile
where category <> unit_category
  -- only the trade words of the standard list: a free-text category is not evidence
  and unit_category in (select canonical from ref_values where kind = 'industry_category')
