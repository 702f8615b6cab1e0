// How dates, times and amounts read on every page (UX.md): 2024-03-15, 4,500.00元, Shanghai time.
const TZ = 'Asia/Shanghai'

export function fmtDate(value) {
  if (!value) return ''
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value
  return new Intl.DateTimeFormat('sv-SE', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(value))
}

export function fmtDateTime(value) {
  if (!value) return ''
  const s = new Intl.DateTimeFormat('sv-SE', {
    timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).format(new Date(value))
  return s
}

export function fmtMoney(value) {
  if (value === null || value === undefined || value === '') return '—'
  const n = Number(value)
  return `${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}元`
}

/** Now as the API wants it: ISO with the Shanghai offset (the officer's local time). */
export function nowLocalIso() {
  const d = new Date()
  const p = new Intl.DateTimeFormat('sv-SE', {
    timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).format(d)
  return `${p.replace(' ', 'T')}+08:00`
}

/** Today's date in Shanghai, YYYY-MM-DD. */
export function todayLocal() {
  return fmtDate(new Date().toISOString())
}
