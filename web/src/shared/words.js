// The field app's words beyond the shared code labels (labels.js): next steps, API texts in Chinese.
import { CASE_STATUS } from './labels.js'

// the next state an officer moves a case to, and the button's words
export const NEXT = {
  filed: { to: 'investigating', label: '进入调查' },
  investigating: { to: 'decided', label: '作出处罚决定' },
  decided: { to: 'served', label: '确认已送达' },
  served: { to: 'executed', label: '确认已执行' },
  executed: { to: 'closed', label: '结案' },
}

const STATUS_WORD = new RegExp(`\\b(${Object.keys(CASE_STATUS).join('|')})\\b`, 'g')

/** The Chinese half of a bilingual "中文 / English" text, any status code in it put into words. */
export function zh(text) {
  return String(text || '').split(' / ')[0].replace(STATUS_WORD, (w) => `“${CASE_STATUS[w]}”`)
}

/** A blocker from the API in words: document codes become document names. */
export function blockerText(text, docNames) {
  const [cn, en = ''] = String(text).split(' / ')
  const list = en.match(/documents missing: (.+)$/)
  if (!list) return cn
  const names = list[1].split(',').map((c) => docNames[c.trim()] || c.trim())
  return `${cn}：${names.join('、')}`
}
