-- The day the licensing data runs to: the latest day anything in the register or the applications happened.
-- Clocks still running (a pending application, a licence not renewed) are read on this day, never on the
-- wall clock, so a rebuild of the same data gives the same answers.
select max(d) as data_as_of
from (
    select greatest(received_date, accepted_date, decided_date, published_date) as d
    from {{ ref('stg_licence_applications') }}
    union all
    select greatest(decided_date, status_from) from {{ ref('stg_licences') }}
)
