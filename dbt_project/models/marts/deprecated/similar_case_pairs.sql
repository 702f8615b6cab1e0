-- Deprecated: the old name of fct_similar_case_pairs, kept as a view for one release (see _deprecated.yml).
select * from {{ ref('fct_similar_case_pairs') }}
