-- Deprecated: the old name of fct_reviewer_calibration, kept as a view for one release (see _deprecated.yml).
select * from {{ ref('fct_reviewer_calibration') }}
