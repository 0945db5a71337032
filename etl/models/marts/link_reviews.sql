-- grain: one row per (unlinked grid unit, candidate taxpayer) in the review band: the officers' "needs review" list
-- unique: record_id, taxpayer_id
-- not_null: record_id, taxpayer_id, match_probability, candidate_rank
with unlinked as (select record_id from unit_links where method = 'none'),
scores as (select * from link_scores),
ranked as (
    select
        scores.record_id,
        scores.taxpayer_id,
        scores.match_probability,
        scores.match_weight,
        scores.pass,
        row_number() over (partition by scores.record_id order by scores.match_probability desc, scores.taxpayer_id)
            as candidate_rank
    from scores
    join unlinked using (record_id)
),
final as (select * from ranked where candidate_rank <= 3)
select * from final order by record_id, candidate_rank
