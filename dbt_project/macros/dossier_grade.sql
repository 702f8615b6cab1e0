{#- The grade of a review score, the one rule of zhifa.review_scoring.grade_for (tests/test_rules.py holds
    the two to the same answers): a failed veto item fails whatever the points, else the settings'
    cut-offs grade_excellent_min and grade_pass_min. Labels are those of docs/review-rules.md. -#}
{% macro dossier_grade(score, veto, excellent_min, pass_min) -%}
case when {{ veto }} then '不合格'
     when {{ score }} >= {{ excellent_min }} then '优秀'
     when {{ score }} >= {{ pass_min }} then '合格'
     else '不合格' end
{%- endmacro %}
