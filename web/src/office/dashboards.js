// Links to the Superset dashboards (issue #17 item 6). The API builds every link (one place:
// zhifa/dashboard_links.py): the dashboard narrowed to a unit subtree and period, behind a sign-in
// token valid for a minute — so a link is fetched on click, never rendered into the page ahead of time.
import { reactive } from 'vue'
import { api } from '@shared/api.js'

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

/** Open `board` in a new tab, narrowed to {unit_code, date_from, date_to} (empty values are left out). */
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
