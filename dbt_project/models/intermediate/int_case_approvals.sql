-- Approval facts per case (approved rows only unless named otherwise).
select
    case_id,
    min(decided_date) filter (where kind = 'filing' and outcome = 'approved') as filing_approval_date,
    min(decided_date) filter (where kind = 'preservation' and outcome = 'approved') as preservation_approval_date,
    min(decided_date) filter (where kind = 'preservation_handling' and outcome = 'approved') as preservation_handling_date,
    min(decided_date) filter (where kind = 'legal_review' and outcome = 'approved') as legal_review_date,
    max(decided_date) filter (where kind = 'decision' and outcome = 'approved') as head_approval_date,
    min(decided_date) filter (where kind = 'extension' and outcome = 'approved') as extension_approval_date,
    min(decided_date) filter (where kind = 'closing' and outcome = 'approved') as closing_approval_date,
    bool_or(kind = 'discretion_deviation' and outcome = 'approved') as deviation_approval,
    bool_or(kind = 'discretion_deviation') as deviation_requested,
    bool_or(kind = 'preservation') as preservation_requested
from {{ ref('stg_approvals') }}
group by case_id
