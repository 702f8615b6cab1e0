-- One row per (case, signal): procedural and discretion risks with the legal basis and what was found.
-- Thresholds come from the settings in force for the case (int_case_settings); signal names, legal bases and
-- weights from ref_risk_signals.
with f as (
    select
        x.*,
        s.filing_days_after_discovery, s.preservation_handling_days as handling_limit,
        s.decision_days_after_filing as decision_limit, s.service_days_after_decision as service_limit,
        s.publication_working_days as publication_limit, s.video_upload_hours, s.officers_min,
        s.hearing_fine_threshold, s.legal_review_fine_threshold,
        c.hearing_notified, c.legal_review_done, c.decided_at is not null as decided,
        fi.deviation_unapproved, fi.in_statutory_range, fi.valuation_mismatch, fi.rate,
        fi.statutory_min_amount, fi.statutory_max_amount, fi.stated_amount, fi.computed_amount,
        vt.legal_basis as violation_legal_basis
    from {{ ref('int_dossier_facts') }} as x
    join {{ ref('int_cases') }} as c on c.case_id = x.case_id
    left join {{ ref('int_case_settings') }} as s on s.case_id = x.case_id
    left join {{ ref('fct_case_fines') }} as fi on fi.case_id = x.case_id
    left join {{ ref('ref_violation_types') }} as vt on vt.violation_code = x.violation_code
),
missing_docs as (
    select case_id, string_agg(name_zh || '（' || doc_type || '）', '、' order by filing_order) as docs
    from {{ ref('int_case_required_documents') }}
    where not present
    group by case_id
),
signals as (
    select case_id, 'FILING_LATE' as signal_code,
           '发现后第 ' || filed_days_after_discovery || ' 日立案，时限 ' || filing_days_after_discovery || ' 日' as detail
    from f where filed_days_after_discovery > filing_days_after_discovery
    union all
    select case_id, 'PRESERVATION_HANDLING_LATE',
           case when preservation_handling_date is null then '登记保存后未见处理通知（案件已决定）'
                else '保存后第 ' || preservation_handling_days || ' 日处理，时限 ' || handling_limit || ' 日' end
    from f
    where preserved and (preservation_handling_days > handling_limit
                         or (preservation_handling_date is null and decided))
    union all
    select case_id, 'DECISION_OVERDUE',
           '立案后第 ' || decision_days_after_filing || ' 日决定，时限 ' || decision_limit || ' 日 + 延长 ' || extension_days || ' 日'
    from f where decision_days_after_filing > decision_limit + extension_days
    union all
    select case_id, 'FEWER_THAN_TWO_OFFICERS', '执法人员 ' || n_officers || ' 人，至少 ' || officers_min || ' 人'
    from f where n_officers < officers_min
    union all
    select case_id, 'OFFICER_CERT_INVALID', '检查日 ' || inspection_date || ' 无有效执法证：' || uncertified_officers
    from f where uncertified_officers is not null
    union all
    select f.case_id, 'DOCUMENT_MISSING', '缺少：' || m.docs
    from f join missing_docs as m on m.case_id = f.case_id
    union all
    select case_id, 'SERVICE_LATE', '决定后第 ' || service_days_after_decision || ' 日送达，时限 ' || service_limit || ' 日'
    from f where service_days_after_decision > service_limit
    union all
    select case_id, 'LEGAL_REVIEW_MISSING',
           '罚款 ' || printf('%.2f', fine_amount) || ' 元 ≥ ' || legal_review_fine_threshold || ' 元；'
           || coalesce('法制审核 ' || legal_review_date || '，决定 ' || decision_date, '未见法制审核')
    from f
    where decided and fine_amount >= legal_review_fine_threshold
      and (not coalesce(legal_review_done, false) or legal_review_date is null or legal_review_date > decision_date)
    union all
    select case_id, 'HEARING_NOT_NOTIFIED',
           '罚款 ' || printf('%.2f', fine_amount) || ' 元 > ' || hearing_fine_threshold || ' 元，未见听证告知'
    from f
    where decided and fine_amount > hearing_fine_threshold
      and (not coalesce(hearing_notified, false) or not has_hearing_notice)
    union all
    select case_id, 'ARCHIVED_BEFORE_CLOSED', '归档 ' || archive_date || '，结案 ' || coalesce(closing_date::varchar, '未结案')
    from f where archive_date < closing_date or (archive_date is not null and closing_date is null)
    union all
    select case_id, 'PUBLICATION_LATE',
           '决定后第 ' || publication_working_days || ' 个工作日公示，时限 ' || publication_limit || ' 个工作日'
    from f where publication_working_days > publication_limit
    union all
    select case_id, 'VIDEO_MISSING', '无现场检查执法记录视频'
    from f where not coalesce(has_inspection_video, false) and coalesce(case_source, '') <> 'transfer_in'
    union all
    select case_id, 'VIDEO_UPLOAD_LATE',
           '视频最迟于结束后 ' || printf('%.1f', video_upload_hours_max) || ' 小时上传，时限 ' || video_upload_hours || ' 小时'
    from f where video_upload_hours_max > video_upload_hours
    union all
    select case_id, 'DEVIATION_UNAPPROVED',
           '罚款比例 ' || printf('%.4f', rate) || ' 超出档次 [' || tier_rate_min_text || ']，未见批准的偏离审批'
    from (select *, coalesce(printf('%.4f', tier_rate_min) || ', ' || printf('%.4f', tier_rate_max), '基准档次') as tier_rate_min_text from f)
    where deviation_unapproved
    union all
    select case_id, 'FINE_OUTSIDE_STATUTORY_RANGE',
           '罚款 ' || printf('%.2f', fine_amount) || ' 元，法定幅度 ' || printf('%.2f', statutory_min_amount) || '–'
           || printf('%.2f', statutory_max_amount) || ' 元（' || coalesce(violation_legal_basis, '') || '）'
    from f where not in_statutory_range
    union all
    select case_id, 'VALUATION_MISMATCH',
           '认定案值 ' || printf('%.2f', stated_amount) || ' 元，按目录价核算 ' || printf('%.2f', computed_amount) || ' 元'
    from f where valuation_mismatch
)
select
    s.case_id,
    s.signal_code,
    r.name_zh as signal_name,
    r.legal_basis,
    s.detail,
    r.weight
from signals as s
join {{ ref('ref_risk_signals') }} as r on r.signal_code = s.signal_code
