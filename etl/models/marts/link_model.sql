-- grain: one row per linkage pass: the trained Splink model (JSON), for explaining any pair
-- unique: pass
-- not_null: pass, model_json
with models as (select getvariable('link_model_json')::json as m, (select count(*) from link_scores) as n_scored),
final as (
    select 'local' as pass, (m -> 'local')::varchar as model_json,
        getvariable('link_threshold')::double as link_threshold,
        getvariable('review_threshold')::double as review_threshold,
        getvariable('link_seconds_json') as seconds_json, n_scored,
        (m ->> 'trained')::boolean as trained_this_run
    from models
    union all
    select 'wide', (m -> 'wide')::varchar, getvariable('link_threshold')::double,
        getvariable('review_threshold')::double, getvariable('link_seconds_json'), n_scored,
        (m ->> 'trained')::boolean
    from models where (m -> 'wide')::varchar <> 'null'
)
select * from final
