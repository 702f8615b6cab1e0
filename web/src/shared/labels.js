// Chinese words for the API's codes (UX.md: never an English code on screen).
export const APPROVAL_KINDS = {
  filing: '立案审批',
  preservation: '先行登记保存审批',
  preservation_handling: '先行登记保存处理审批',
  discretion_deviation: '裁量偏离审批',
  extension: '延期审批',
  legal_review: '法制审核',
  decision: '处罚决定审批',
  closing: '结案审批',
}

export const OUTCOMES = { pending: '待审批', approved: '已批准', rejected: '已退回' }

export const CASE_STATUS = {
  filed: '已立案', investigating: '调查取证', decided: '已决定', served: '已送达', executed: '已执行',
  closed: '已结案', archived: '已归档', transferred: '已移送', withdrawn: '已撤销',
}

export const PARTY_TYPES = { individual: '个人', entity: '单位' }

export const TASK_MODES = { pool: '抢单评查', sample: '抽样评查', re_review: '复评', arbitration: '仲裁' }

// rectification (整改): task and finding states, the unit's answers, the reviewer's re-check
export const RECTIFICATION_STATUS = { open: '待整改', answered: '待复核', returned: '已退回', closed: '已办结' }
export const FINDING_STATUS = { pending: '待答复', corrected: '已整改', disputed: '有异议', accepted: '复核通过', returned: '复核退回' }
export const label = (map, code) => map[code] || code

/** The Chinese half of an API text such as "filing 立案" (the English words go, UX.md). */
export const zhOf = (text) => String(text ?? '').replace(/^[A-Za-z][A-Za-z _-]*\s+/, '')
