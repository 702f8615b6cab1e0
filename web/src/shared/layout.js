// The layout rules' outcomes on the phone, with no signal: the same computation and the same words as
// zhifa/licensing/layout.py (`evaluate`, `nearest`) and geo.py (`haversine_m`), on the layout data the
// server serves with the task (GET /licensing/applications/{id}/layout-data). The server's record stays
// the one that counts; tests/test_layout_parity.py runs both on the same points and requires equal words.
const EARTH_RADIUS_M = 6_371_008.8 // mean radius (IUGG), as geo.py
const rad = (deg) => (deg * Math.PI) / 180

export function haversineM(lat1, lon1, lat2, lon2) {
  const p1 = rad(lat1)
  const p2 = rad(lat2)
  const dp = p2 - p1
  const dl = rad(lon2 - lon1)
  const h = Math.sin(dp / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)))
}

// Python's round(): halves go to the even neighbour (Math.round sends them up)
function roundHalfEven(x) {
  const r = Math.round(x)
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r
}

const m = (x) => `${roundHalfEven(x)} 米`

export function nearest(lat, lon, sites, kind) {
  let best = null
  for (const s of sites) {
    if (s.kind !== kind) continue
    const d = haversineM(lat, lon, s.lat, s.lon)
    if (best === null || d < best.distance_m) best = { kind, name: s.name, distance_m: d }
  }
  return best
}

/** Each rule's outcome at the point, in words: [{kind, passed, text_zh}]. */
export function evaluate(lat, lon, rules, sites, placeNames) {
  return rules.map((r) => {
    if (r.kind === 'retailer_min_distance') {
      const n = nearest(lat, lon, sites, 'retailer')
      if (n === null) return { kind: r.kind, passed: true, text_zh: `周边无已许可零售户，满足本区最小间距 ${m(r.distance_m)}` }
      const passed = !(n.distance_m < r.distance_m)
      const verb = passed ? '不低于' : '低于'
      return { kind: r.kind, passed, text_zh: `距最近零售户 ${m(n.distance_m)}，${verb}本区最小间距 ${m(r.distance_m)}` }
    }
    if (r.kind === 'retailer_max_count') {
      const within = sites.filter((s) => s.kind === 'retailer' && haversineM(lat, lon, s.lat, s.lon) <= r.distance_m).length
      const limit = r.max_count || 0
      const passed = within < limit
      const verb = passed ? '未达' : '已达'
      return { kind: r.kind, passed, text_zh: `周边 ${m(r.distance_m)}内已有零售户 ${within} 家，${verb}本区上限 ${limit} 家` }
    }
    const type = r.place_type || ''
    const place = placeNames[type] ?? type
    const n = nearest(lat, lon, sites, type)
    if (n === null || n.distance_m >= r.distance_m) {
      const where = n ? `距最近${place}（${n.name}）${m(n.distance_m)}` : `周边无${place}`
      return { kind: r.kind, passed: true, text_zh: `${where}，不在${place}周边 ${m(r.distance_m)}禁设范围内` }
    }
    const text = `距最近${place}（${n.name}）${m(n.distance_m)}，在${place}周边 ${m(r.distance_m)}禁设范围内`
    return { kind: r.kind, passed: false, text_zh: text }
  })
}

/** What GET /licensing/survey answers, computed from the cached layout data of one application. */
export function survey(data, lat, lon) {
  const outcomes = evaluate(lat, lon, data.rules, data.sites, data.place_names)
  const found = data.nearest_kinds.map((k) => nearest(lat, lon, data.sites, k)).filter(Boolean)
  return {
    city_code: data.city_code,
    nearest: found,
    outcomes,
    passed: outcomes.every((o) => o.passed),
  }
}
