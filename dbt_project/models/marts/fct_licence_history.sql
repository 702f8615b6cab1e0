-- Licence history per retailer: one row per licence version, in order, with how it ended and whether the
-- next version followed without a gap. Personal data only as pseudonyms (stg_licences).
select
    v.licence_pseudonym,
    v.retailer_pseudonym,
    v.operator_pseudonym,
    v.province_code,
    v.unit_code,
    v.division_code,
    v.entity_licence,
    v.business_type,
    v.version_no,
    v.decision_kind,
    v.decided_date,
    v.valid_from,
    v.valid_to,
    v.effective_to,
    v.licence_status,
    v.status_from,
    v.next_valid_from,
    case when v.next_valid_from is not null
         then greatest(date_diff('day', v.valid_to, v.next_valid_from) - 1, 0) end as gap_days_before_next,
    o.data_as_of,
    v.valid_from <= o.data_as_of and o.data_as_of <= v.effective_to as held_on_data_as_of
from {{ ref('int_licence_versions') }} as v
cross join {{ ref('int_licensing_as_of') }} as o
