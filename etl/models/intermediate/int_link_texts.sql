-- ephemeral
-- grain: one row per (side, key) of int_link_names: the name's character bigrams and address parts, computed once for both sides
-- unique: side, key
-- not_null: side, key
with names as (select * from int_link_names),
final as (
    select
        side,
        key,
        name_core,
        name_fold,
        nullif(left(name_fold, 2), '') as name_k2,
        -- the folded name's distinct bigrams (a one-character name: the character): blocking keys
        case when length(name_fold) = 1 then [name_fold]
             else list_distinct([substr(name_fold, i, 2) for i in range(1, length(name_fold))]) end as name_grams,
        addr_road(address_core) as addr_road,
        addr_number(address_core) as addr_number,
        addr_building(address_core) as addr_building,
        addr_floor(address_core) as addr_floor,
        addr_room(address_core) as addr_room,
        addr_road(address_core) || '#' || addr_number(address_core) as addr_key
    from names
)
select * from final
