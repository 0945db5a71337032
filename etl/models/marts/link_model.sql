-- grain: one row per linkage pass: the trained Splink model (JSON), for explaining any pair, and how it was trained
-- unique: pass
-- not_null: pass, model_json, training_method, n_labels
-- accepted: training_method in ('labels', 'em', 'shipped')
-- accepted: trained_this_run = (training_method <> 'shipped')
with models as (select getvariable('link_model_json')::json as m, (select count(*) from link_scores) as n_scored),
passes as (
    select 'local' as pass, (m -> 'local')::varchar as model_json, m, n_scored from models
    union all
    select 'wide', (m -> 'wide')::varchar, m, n_scored from models where (m -> 'wide')::varchar <> 'null'
),
final as (
    select
        pass,
        model_json,
        getvariable('link_threshold')::double as link_threshold,
        getvariable('review_threshold')::double as review_threshold,
        getvariable('link_seconds_json') as seconds_json,
        n_scored,
        (m ->> 'trained')::boolean as trained_this_run,
        -- 'labels': m learned from the run's exact-USCC links; 'em': too few labels, unsupervised;
        -- 'shipped': the demo region's parameters, the last resort (docs/linkage.md, training)
        m -> 'training' ->> 'method' as training_method,
        (m -> 'training' ->> 'n_labels')::bigint as n_labels,
        (m -> 'training' ->> 'prior_recall')::double as prior_recall,
        coalesce((m -> 'training' -> 'warnings')::varchar[], []::varchar[]) as warnings,
        (m -> pass ->> 'probability_two_random_records_match')::double as prior
    from passes
)
select * from final order by pass
