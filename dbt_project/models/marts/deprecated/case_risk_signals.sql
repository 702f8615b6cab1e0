-- Deprecated: the old per-signal mart, now fct_case_risk_signals; its old columns, kept as a view for one
-- release (see _deprecated.yml).
select case_id, signal_code, signal_name, legal_basis, detail, weight
from {{ ref('fct_case_risk_signals') }}
