-- Deprecated: the old name of fct_rule_results, kept as a view for one release (see _deprecated.yml).
select * from {{ ref('fct_rule_results') }}
