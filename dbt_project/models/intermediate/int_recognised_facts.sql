-- Per-case facts read from recognised dossier files (raw.document_fields). A case with no recognised file
-- has no row, so the rules needing these facts come out "not checked" (NULL), never "passed".
with fields as (
    select
        f.case_id,
        f.document_id,
        coalesce(d.doc_type, f.doc_type_detected) as doc_type,
        f.field,
        f.value,
        regexp_extract(f.field, '^goods\.(\d+)\.', 1) as goods_line,
        regexp_extract(f.field, '^goods\.\d+\.(\w+)$', 1) as goods_attr
    from {{ ref('stg_document_fields') }} as f
    left join {{ ref('stg_documents') }} as d on d.document_id = f.document_id
),
goods as (
    select
        case_id,
        document_id,
        goods_line,
        max(try_cast(value as double)) filter (where goods_attr = 'line_no') as line_no,
        max(try_cast(value as double)) filter (where goods_attr = 'quantity') as quantity,
        max(try_cast(value as double)) filter (where goods_attr = 'unit_price') as unit_price,
        max(try_cast(value as double)) filter (where goods_attr = 'subtotal') as subtotal
    from fields
    where doc_type = 'valuation_table' and goods_line <> ''
    group by all
),
valuation as (
    select
        g.case_id,
        count(*) as n_lines,
        bool_and(abs(round(g.quantity * g.unit_price, 2) - g.subtotal) <= 0.01) as lines_ok,
        sum(g.subtotal) as subtotal_sum,
        sum(g.quantity) as quantity_sum,
        list_sort(list(g.line_no)) = range(1, count(*) + 1)::double[] as line_nos_consecutive
    from goods as g
    group by g.case_id
),
per_case as (
    select
        case_id,
        count(distinct value) filter (where field = 'party_name') as party_values,
        count(distinct value) filter (where field = 'cause') as cause_values,
        arg_min(value, case doc_type when 'filing_report' then 0 when 'cover' then 1 else 2 end)
            filter (where field = 'cause') as cause,
        max(value) filter (where field = 'cover_no' and doc_type = 'cover') as cover_no,
        max(value) filter (where field = 'retention' and doc_type = 'cover') as retention,
        min(try_cast(value as integer)) filter (where field = 'signature_count' and doc_type = 'valuation_table') as valuation_signatures,
        max(try_cast(value as double)) filter (where field = 'goods_total_value' and doc_type = 'valuation_table') as goods_total_value,
        max(try_cast(value as double)) filter (where field = 'goods_total_quantity' and doc_type = 'valuation_table') as goods_total_quantity,
        max(try_cast(value as integer)) filter (where field = 'goods_count' and doc_type = 'valuation_table') as goods_count,
        -- both remedies read = stated; neither = not stated; one of them = a line recognition missed: unknown
        case (count(*) filter (where field = 'reconsideration_days' and doc_type = 'penalty_decision') > 0)::int
             + (count(*) filter (where field = 'litigation_months' and doc_type = 'penalty_decision') > 0)::int
            when 2 then true when 0 then false end as decision_states_remedies,
        count(*) filter (where field = 'payment_days' and doc_type = 'penalty_decision') > 0 as decision_states_payment_terms,
        max(value) filter (where field = 'legal_basis' and doc_type = 'penalty_decision') as decision_legal_basis,
        count(*) filter (where doc_type = 'penalty_decision') > 0 as decision_recognised,
        count(*) filter (where doc_type = 'valuation_table') > 0 as valuation_recognised
    from fields
    group by case_id
)
select
    p.case_id,
    nullif(p.party_values, 0) as party_values_distinct,
    nullif(p.cause_values, 0) as cause_values_distinct,
    p.cause,
    p.cover_no,
    p.retention,
    p.valuation_signatures,
    -- the table's own counts vouch for the reading: when the recognised lines do not add up to the printed
    -- line count and total quantity, a misread digit is likelier than a wrong table, so it is not checked
    case when p.valuation_recognised and v.n_lines > 0
              and v.n_lines = coalesce(p.goods_count, v.n_lines)
              and abs(v.quantity_sum - coalesce(p.goods_total_quantity, v.quantity_sum)) <= 0.01
         then v.lines_ok and (p.goods_total_value is null or abs(v.subtotal_sum - p.goods_total_value) <= 0.01) end
        as valuation_subtotals_ok,
    case when p.valuation_recognised and v.n_lines > 0
              and v.n_lines = coalesce(p.goods_count, v.n_lines)
         then v.line_nos_consecutive end as valuation_line_nos_consecutive,
    v.n_lines as valuation_lines,
    v.quantity_sum as valuation_quantity,
    case when p.decision_recognised then p.decision_states_remedies end as decision_states_remedies,
    case when p.decision_recognised then p.decision_states_payment_terms end as decision_states_payment_terms,
    p.decision_legal_basis
from per_case as p
left join valuation as v on v.case_id = p.case_id
