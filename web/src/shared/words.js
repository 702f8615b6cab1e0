// Words users read (DOMAIN.md, UX.md): never an English code on screen.
export const STATUS_ZH = {
  filed: '已受理', investigating: '调查取证', decided: '已决定', served: '已送达', executed: '已执行',
  closed: '已结案', archived: '已归档', transferred: '已移送', withdrawn: '已撤销',
}

// the next state an officer moves a case to, and the button's words
export const NEXT = {
  filed: { to: 'investigating', label: '进入调查' },
  investigating: { to: 'decided', label: '作出处罚决定' },
  decided: { to: 'served', label: '确认已送达' },
  served: { to: 'executed', label: '确认已执行' },
  executed: { to: 'closed', label: '结案' },
}

export const APPROVAL_ZH = {
  filing: '立案审批', preservation: '先行登记保存审批', preservation_handling: '先行登记保存处理审批',
  discretion_deviation: '裁量偏离审批', legal_review: '法制审核', closing: '结案审批', extension: '延期审批',
}

export const OUTCOME_ZH = { pending: '待审批', approved: '已批准', rejected: '已退回' }

export const PARTY_ZH = { individual: '个人', entity: '单位' }

const STATUS_WORD = new RegExp(`\\b(${Object.keys(STATUS_ZH).join('|')})\\b`, 'g')

/** The Chinese half of a bilingual "中文 / English" text, any status code in it put into words. */
export function zh(text) {
  return String(text || '').split(' / ')[0].replace(STATUS_WORD, (w) => `“${STATUS_ZH[w]}”`)
}

/** A blocker from the API in words: document codes become document names. */
export function blockerText(text, docNames) {
  const [cn, en = ''] = String(text).split(' / ')
  const list = en.match(/documents missing: (.+)$/)
  if (!list) return cn
  const names = list[1].split(',').map((c) => docNames[c.trim()] || c.trim())
  return `${cn}：${names.join('、')}`
}
