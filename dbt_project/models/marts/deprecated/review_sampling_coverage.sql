-- Deprecated: the old name of fct_review_sampling_coverage, kept as a view for one release (see _deprecated.yml).
select * from {{ ref('fct_review_sampling_coverage') }}
