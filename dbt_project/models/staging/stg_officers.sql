-- Officer names are staff data of the bureau, not party data; they stay (dashboards show who handled a case).
select
    officer_id,
    name as officer_name,
    unit_code,
    cert_no,
    cert_valid_from,
    cert_valid_to,
    coalesce(roles, '') as roles,
    list_contains(string_split(coalesce(roles, ''), ';'), 'reviewer') as is_reviewer
from {{ source('raw', 'officers') }}
