-- Licence versions (one validity period of one licence) with the last day they really held — a suspension or
-- cancellation cuts the period short from status_from — their order, the next version of the same licence,
-- and the province whose settings apply.
select
    l.*,
    u.province_code,
    case when l.licence_status in ('suspended', 'cancelled') and l.status_from is not null
         then least(l.valid_to, cast(l.status_from - interval 1 day as date))
         else l.valid_to end as effective_to,
    row_number() over (partition by l.licence_pseudonym order by l.valid_from) as version_no,
    lead(l.valid_from) over (partition by l.licence_pseudonym order by l.valid_from) as next_valid_from
from {{ ref('stg_licences') }} as l
left join {{ ref('int_unit_province') }} as u on u.unit_code = l.unit_code
