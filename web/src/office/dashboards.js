// Links to the Superset dashboards (issue #17 item 6). The API builds every link (one place:
// zhifa/dashboard_links.py): the dashboard narrowed to a unit subtree, an officer and a period, behind a sign-in
// token valid for a minute — so a link is fetched on click, never rendered into the page ahead of time.
import { reactive } from 'vue'
import { api } from '@shared/api.js'
import { fmtDate, todayLocal } from '@shared/format.js'

export const dashboards = reactive({ configured: false, boards: [], loaded: false })

export async function loadDashboards() {
  if (dashboards.loaded) return dashboards
  try {
    Object.assign(dashboards, await api.get('/dashboards'), { loaded: true })
  } catch {
    dashboards.configured = false // no links rather than a broken page
  }
  return dashboards
}

// a period's end no later than today: the API refuses dates beyond its plausible window (api/core/bounds.py)
const upToToday = (day) => (day < todayLocal() ? day : todayLocal())

/** The context of a case's pages: its unit, its lead officer and the year (Shanghai date) it was discovered in. */
export function caseContext(kase) {
  const year = fmtDate(kase.discovered_at).slice(0, 4)
  const lead = (kase.officers || []).find((o) => o.role === 'lead')
  return { unit_code: kase.unit_code, officer_id: lead?.officer_id, date_from: `${year}-01-01`, date_to: upToToday(`${year}-12-31`) }
}

/** A month ('2024-03-01') as {date_from, date_to}: the scorecards' period. */
export function monthContext(month) {
  if (!month) return {}
  const [y, m] = month.slice(0, 7).split('-').map(Number)
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate() // day 0 of the next month: this month's last day
  return { date_from: `${month.slice(0, 7)}-01`, date_to: upToToday(`${month.slice(0, 7)}-${String(last).padStart(2, '0')}`) }
}

/** Open `board` in a new tab, narrowed to {unit_code, officer_id, date_from, date_to} (empty values are left out). */
export async function openDashboard(board, context = {}) {
  // opened during the click (a popup blocker allows that), pointed at the link once it arrives
  const tab = window.open('', '_blank')
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(context)) if (v) params.set(k, v)
  try {
    const { url } = await api.get(`/dashboards/${encodeURIComponent(board)}/link?${params}`)
    if (tab) {
      tab.opener = null
      tab.location.href = url
    } else {
      window.location.href = url
    }
  } catch (e) {
    tab?.close()
    throw e
  }
}
