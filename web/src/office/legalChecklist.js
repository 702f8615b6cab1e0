// What the API would refuse in a legal review decision, said before sending (the API checks it anyway).
export function checklistProblem(entries, opinion) {
  if (!entries.length) return '审核清单未加载'
  const open = entries.filter((e) => !e.result).map((e) => e.name_zh)
  if (open.length) return `请逐项审核：${open.join('、')}`
  const unexplained = entries.filter((e) => e.result === 'flagged' && !e.note.trim()).map((e) => e.name_zh)
  if (unexplained.length) return `存疑项须说明：${unexplained.join('、')}`
  if (entries.some((e) => e.result === 'flagged') && !opinion.trim()) return '有存疑项时须填写审核意见'
  return ''
}

export const asDecision = (entries) => entries.map((e) => ({ item: e.item, result: e.result, note: e.note.trim() || null }))
