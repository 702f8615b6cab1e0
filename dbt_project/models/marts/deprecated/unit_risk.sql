-- Deprecated: the old name of fct_unit_risk, kept as a view for one release (see _deprecated.yml).
select * from {{ ref('fct_unit_risk') }}
