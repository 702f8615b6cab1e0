-- Deprecated: the dashboards' old signal mart, now fct_case_risk_signals; its old columns, kept as a view for
-- one release (see _deprecated.yml).
select case_id, province_code, unit_code, violation_code, discovered_date, signal_code, signal_name, legal_basis, weight
from {{ ref('fct_case_risk_signals') }}
