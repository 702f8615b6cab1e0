-- Deprecated: the old name of fct_officer_fine_consistency, kept as a view for one release (see _deprecated.yml).
select * from {{ ref('fct_officer_fine_consistency') }}
