// A scanned code → what the officer sees: the product and price, or the reason it cannot be used.
// Each hit records frame-to-product time (window.__zhifaScanMs) for the benchmark.
import { nextTick } from 'vue'
import { lookup } from '@shared/reference.js'

export async function resolveHit({ code, t0, via }) {
  let hit
  try {
    hit = { ...(await lookup(code)), via }
  } catch (e) {
    hit = { code, via, product: null, error: e.text || String(e), errorCode: e.code || 'ERROR' }
  }
  nextTick(() => {
    window.__zhifaScanMs = [...(window.__zhifaScanMs || []), { code, via, ms: performance.now() - t0 }]
  })
  return hit
}
