-- indicator: TB05
-- portrait: burden
-- name_zh: 增值税税负率低于行业预警值（绝对标准）
-- name_en: VAT burden below the industry's warning line (absolute)
-- needs: declarations, taxpayer_type, industry_code
-- weight: 0.55
-- logic_zh: 一般纳税人近12个月销售额 ≥ 50 万元，增值税税负率（应纳税额/销售额）低于所属行业的税负预警值（工业 1.5%–8%，批发 0.9%，零售 2.5%，服务业 1%；见文件头）；严重度随低于预警值的程度上升，低于预警值的 40% 时最高。不依赖同业分布
-- logic_en: a general taxpayer with ≥ CNY 0.5 m of sales in 12 months whose VAT burden (payable / sales) is below its industry's warning line (goods 1.5–8 %, wholesale 0.9 %, retail 2.5 %, services 1 %; see the file's header); severity grows with the gap, highest below 40 % of the line. No peer distribution involved
-- reason_zh: 增值税税负率 {burden:pct}，低于{industry}行业税负预警值 {line:pct}
-- reason_en: VAT burden {burden:pct}, below the warning line of {line:pct} for {industry_en}
-- threshold source: the lines for goods (industry divisions 13–43, wholesale 51, retail 52) are the
-- national VAT burden table by industry that is widely reproduced as the State Taxation Administration's
-- 行业增值税税负率预警值 (全国增值税行业平均税负率: 农副食品加工 3.0 %, 食品饮料 3.5 %, 纺织 2.5 %,
-- 服装皮革 3.5 %, 造纸 5.0 %, 化工 3.5 %, 医药 6.0 %, 塑料制品 3.0 %, 非金属矿物制品 5.5 %, 金属制品
-- 3.0 %, 机械交通运输设备 3.5 %, 电气机械 3.0 %, 电子通信设备 2.0 %, 工艺品及其他 3.0 %, 电力 5.0 %,
-- 商业批发 0.9 %, 商业零售 2.5 %, 其他 3.0 %). We cannot cite a document number for it and it predates
-- 营改增 (2016), so treat it as the customary reference, not as law; provincial bureaus publish their own
-- lines and a bureau should replace these with its own. Services (transport, construction, catering,
-- software, real estate, business and household services: divisions 44–99 other than 51/52) have no such
-- table: their 1 % line is set by judgement (the brief's "~1 %"; 6 %/9 % VAT services with ordinary
-- input sit well above it). Small-scale taxpayers pay a flat levy and are left to TB07. Severity: 0.5 at
-- the line, 1 at 40 % of it and below ("far below": a year of VAT at under 40 % of the line is set by
-- judgement as strong evidence on its own, about 50 of the score).
with lines(division_from, division_to, line, industry, industry_en) as (
    values
        ('13', '13', 0.030, '农副食品加工', 'agri-food processing'),
        ('14', '15', 0.035, '食品饮料', 'food and beverages'),
        ('16', '16', 0.080, '烟草', 'tobacco'),
        ('17', '17', 0.025, '纺织', 'textiles'),
        ('18', '19', 0.035, '服装皮革', 'clothing and leather'),
        ('20', '21', 0.030, '木材家具', 'wood and furniture'),
        ('22', '22', 0.050, '造纸', 'paper'),
        ('23', '25', 0.030, '印刷文教及其他', 'printing, stationery and others'),
        ('26', '26', 0.035, '化工', 'chemicals'),
        ('27', '27', 0.060, '医药制造', 'pharmaceuticals'),
        ('28', '28', 0.030, '化学纤维', 'chemical fibres'),
        ('29', '29', 0.030, '橡胶和塑料制品', 'rubber and plastics'),
        ('30', '30', 0.055, '非金属矿物制品', 'non-metallic mineral products'),
        ('31', '33', 0.030, '金属及金属制品', 'metals and metal products'),
        ('34', '37', 0.035, '机械交通运输设备', 'machinery and transport equipment'),
        ('38', '38', 0.030, '电气机械', 'electrical machinery'),
        ('39', '39', 0.020, '电子通信设备', 'electronic and communication equipment'),
        ('40', '43', 0.030, '工艺品及其他制造', 'other manufacturing'),
        ('44', '46', 0.050, '电力燃气水', 'power, gas and water'),
        ('51', '51', 0.009, '批发', 'wholesale'),
        ('52', '52', 0.025, '零售', 'retail')
),
p as (
    select
        profile.taxpayer_id,
        profile.vat_payable_12m / profile.sales_12m as burden,
        coalesce(lines.line, case when profile.division < '44' then 0.030 else 0.010 end) as line,
        coalesce(lines.industry, case when profile.division < '44' then '其他工业' else '服务业' end) as industry,
        coalesce(lines.industry_en, case when profile.division < '44' then 'other industry' else 'services' end)
            as industry_en
    from int_risk_profile as profile
    left join lines on profile.division between lines.division_from and lines.division_to
    where profile.taxpayer_type = '一般纳税人' and profile.sales_12m >= 5e5 and profile.division is not null
)
select
    taxpayer_id,
    risk_ramp(1 - greatest(burden, 0) / line, 0, 0.6) as severity,
    burden as value,
    burden,
    line,
    industry,
    industry_en
from p
where burden < line
