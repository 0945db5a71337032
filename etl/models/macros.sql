-- Macros shared by the models. Loaded before any model runs.

-- Text timestamps in the formats of docs/etl-rules.md; NULL when none fits.
create or replace macro parse_timestamp(x) as try_strptime(x, [
    '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d',
    '%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M', '%Y/%m/%d',
    '%Y%m%d %H:%M:%S', '%Y%m%d',
    '%Y年%m月%d日 %H:%M:%S', '%Y年%m月%d日 %H:%M', '%Y年%m月%d日'
]);

-- Identifiers as bureaus mistype them (docs/etl-rules.md, Identifiers): every whitespace removed (inner,
-- no-break, zero-width, full-width), full-width digits, letters and hyphen made half-width, upper case; ''
-- becomes NULL. The usual plain upper-case ASCII id skips the regular expression.
create or replace macro norm_id(x) as nullif(case
    when strlen(x) = length(x) and x = upper(x)
        and not (contains(x, ' ') or contains(x, chr(9)) or contains(x, chr(10)) or contains(x, chr(13)))
        then x
    when strlen(x) = length(x)
        then upper(regexp_replace(x, '[\s\x{0B}\p{Z}\x{200B}\x{FEFF}]+', '', 'g'))
    else translate(upper(regexp_replace(x, '[\s\x{0B}\p{Z}\x{200B}\x{FEFF}]+', '', 'g')),
                   '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ－',
                   '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-')
end, '');

-- coord_sys spellings: upper case without '-', '_' and spaces (then looked up in ref_values).
create or replace macro norm_coord_sys(x) as upper(replace(replace(replace(x, '-', ''), '_', ''), ' ', ''));

-- Numbers as bureaus write them: plain, or with thousands separators ("1,234.50").
-- The plain cast is tried first: the regular expression only runs on the rare rest.
-- Beyond ±1e34 is no amount (and would not fit the DECIMAL(38, 2) the marts sum money in).
create or replace macro parse_amount(x) as case
    when abs(try_cast(x as double)) < 1e34 then try_cast(x as double)
    when regexp_full_match(x, '-?\d{1,3}(,\d{3})+(\.\d+)?') then try_cast(replace(x, ',', '') as double)
end;

-- The first position rule that fails before the point is converted (docs/etl-rules.md).
create or replace macro position_issue(lng_text, lat_text, lng_num, lat_num, coord_sys_name) as case
    when lng_text is null or lat_text is null then 'position_missing'
    when lng_num is null or lat_num is null or not isfinite(lng_num) or not isfinite(lat_num) then 'position_unparseable'
    when lng_num not between -180 and 180 or lat_num not between -90 and 90 then 'position_out_of_range'
    when coord_sys_name is null then 'coord_sys_unknown'
end;

-- YYYY-MM, YYYYMM, YYYY/MM, YYYY年M月 as 'YYYY-MM'; NULL otherwise. The common 'YYYY-MM' skips the regex.
create or replace macro period_month(x) as try_cast(regexp_extract(x, '^\d{4}[-/年]?(\d{1,2})月?$', 1) as integer);
create or replace macro parse_period(x) as case
    when length(x) = 7 and x[5] = '-' and try_cast(x[1:4] as integer) is not null
        and try_cast(x[6:7] as integer) between 1 and 12 then x
    when period_month(x) between 1 and 12 then substr(x, 1, 4) || '-' || lpad(period_month(x)::varchar, 2, '0')
end;


-- Address parts for linking (docs/linkage.md), on an address already stripped of its
-- region prefix: 鹤洲路299号6栋6楼605室 → road 鹤洲路, number 299, building 6, floor 6, room 605.
create or replace macro addr_road(a) as nullif(regexp_extract(a, '^([^0-9]+?)[0-9]+号', 1), '');
create or replace macro addr_number(a) as nullif(regexp_extract(a, '^[^0-9]+?([0-9]+)号', 1), '');
create or replace macro addr_building(a) as
    nullif(regexp_extract(a, '号(?:厂房|大厦|宿舍)?([A-Z0-9]+)(?:栋|座|幢|号楼)', 1), '');
create or replace macro addr_room(a) as nullif(regexp_extract(a, '([0-9]{3,4})(?:室|房|号铺|铺|号|单元)?$', 1), '');
create or replace macro cn_small_number(x) as case x
    when '一' then 1 when '二' then 2 when '三' then 3 when '四' then 4 when '五' then 5
    when '六' then 6 when '七' then 7 when '八' then 8 when '九' then 9 when '十' then 10
    else try_cast(x as integer) end;
create or replace macro addr_floor(a) as coalesce(
    cn_small_number(nullif(regexp_extract(a, '([0-9]+|[一二三四五六七八九十])(?:楼|层)', 1), '')),
    try_cast(addr_room(a) as integer) // 100);

-- Great-circle distance in metres (mean Earth radius), as etl/coords.py haversine_m.
create or replace macro haversine_m(lng1, lat1, lng2, lat2) as
    2 * 6371008.8 * asin(sqrt(
        pow(sin(radians(lat2 - lat1) / 2), 2)
        + cos(radians(lat1)) * cos(radians(lat2)) * pow(sin(radians(lng2 - lng1) / 2), 2)));

-- "1.2 km" / "850 m" for a distance in metres.
create or replace macro distance_text(m) as case
    when m >= 1000 then printf('%.1f km', m / 1000.0)
    else printf('%d m', round(m)::integer) end;
-- Risk indicators: severity 0.5 at the threshold rising linearly to 1 at the extreme (docs/risk.md).
create or replace macro risk_ramp(x, lo, hi) as 0.5 + 0.5 * least(greatest((x - lo) / (hi - lo), 0), 1);
