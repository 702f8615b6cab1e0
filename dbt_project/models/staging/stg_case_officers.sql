select case_id, officer_id, role
from {{ source('raw', 'case_officers') }}
