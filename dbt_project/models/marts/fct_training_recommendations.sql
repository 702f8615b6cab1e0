-- Courses per officer and unit, ranked by the need they answer (issue #19 §2): the need_points of the
-- subject's needs (int_training_needs.is_need) on the rules and signals the course trains
-- (ref_training_course_map), with the evidence — those rules with their counts against the province, and
-- example cases. The first training_top_courses with any need are recommended; completed_on says when the
-- officer last completed the course (an API assignment), so a manager sees training already given.
with needs as (
    select n.*, m.course_id
    from {{ ref('int_training_needs') }} as n
    join {{ ref('ref_training_course_map') }} as m on m.basis = n.basis and m.code = n.code
    where n.is_need
),
top as (
    select
        v.province_code,
        max(try_cast(v.value as double)) filter (where v.key = 'training_top_courses') as top_courses,
        max(try_cast(v.value as integer)) filter (where v.key = 'training_examples') as n_examples
    from {{ ref('int_settings_versions') }} as v
    join (select distinct province_code, as_of from needs) as h
      on h.province_code = v.province_code and v.version_start <= h.as_of and h.as_of < v.version_end
    group by v.province_code
),
per_course as (
    select
        level, subject_id, unit_code, province_code, course_id,
        sum(need_points) as need_points,
        sum(n_failed) as n_failed,
        string_agg(
            name_zh || '（' || code || '）' || n_failed || '/' || n_checked || '，'
            || round(100 * fail_rate, 1) || '% 对全省 ' || round(100 * province_rate, 1) || '%',
            '；' order by need_points desc, code
        ) as evidence,
        -- the cases of the heaviest rule first, each case once
        flatten(list(string_split(example_case_ids, ',') order by need_points desc, code)) as examples,
        min(window_start) as window_start,
        max(as_of) as as_of
    from needs
    group by all
),
completed as (
    select officer_id, course_id, max({{ local_date('completed_at') }}) as completed_on
    from {{ ref('stg_api_training_assignments') }}
    where status = 'completed'
    group by all
),
ranked as (
    select p.*,
           row_number() over (partition by level, subject_id, unit_code order by need_points desc, course_id)
               as course_rank
    from per_course as p
)
select
    r.level,
    r.subject_id,
    r.unit_code,
    r.province_code,
    r.course_id,
    c.title_zh as course_title,
    cast(r.course_rank as integer) as course_rank,
    r.course_rank <= t.top_courses and r.need_points > 0 as recommended,
    round(r.need_points, 4) as need_points,
    cast(r.n_failed as integer) as n_failed,
    r.evidence,
    array_to_string(
        list_filter(r.examples, lambda x, i: list_position(r.examples, x) = i)[1:t.n_examples], ','
    ) as example_case_ids,
    r.window_start,
    r.as_of,
    d.completed_on
from ranked as r
left join completed as d on r.level = 'officer' and d.officer_id = r.subject_id and d.course_id = r.course_id
join {{ ref('ref_training_courses') }} as c on c.course_id = r.course_id
join top as t on t.province_code = r.province_code
