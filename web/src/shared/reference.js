// Reference data and the province's catalog, fetched when online and kept in IndexedDB so that the
// wizard and the scanner work with no signal. Barcode look-up is local first, the server second.
import { ApiError, api } from './api.js'
import { cacheGet, cachePut } from './store.js'
import { checkEan13 } from './barcode.js'

/** GET path, keeping the answer in IndexedDB; offline (or the server down) the kept copy answers. */
export async function cached(name, path) {
  try {
    const value = await api.get(path)
    await cachePut(name, value)
    return value
  } catch (e) {
    const value = await cacheGet(name)
    if (value !== undefined && e instanceof ApiError && (e.offline || e.status >= 500)) return value
    if (value !== undefined && e instanceof ApiError && e.status === 401) return value
    throw e
  }
}

export const loadReference = () => cached('reference', '/reference/field')
export const loadOfficers = () => cached('officers', '/officers')
export const loadCatalog = () => cached('catalog', '/catalog/offline')

let catalogIndex = null

async function index() {
  if (catalogIndex) return catalogIndex
  const cat = (await cacheGet('catalog')) || (await loadCatalog().catch(() => null))
  if (!cat) return null
  const byCode = new Map()
  for (const p of cat.products) {
    if (p.carton_barcode) byCode.set(p.carton_barcode, { product: p, level: 'carton', cartons: 1 })
    if (p.pack_barcode) byCode.set(p.pack_barcode, { product: p, level: 'pack', cartons: 1 / p.packs_per_carton })
    if (p.case_barcode) byCode.set(p.case_barcode, { product: p, level: 'case', cartons: 50 })
  }
  catalogIndex = { byCode, priced_on: cat.priced_on }
  return catalogIndex
}

export function forgetCatalogIndex() {
  catalogIndex = null
}

/**
 * {code, product, level, price} for a barcode; throws {code:'BAD_CHECK_DIGIT'|'BAD_BARCODE'|'UNKNOWN_BARCODE', text}.
 */
export async function lookup(code) {
  const problem = checkEan13(code)
  if (problem) throw problem
  const idx = await index()
  const hit = idx?.byCode.get(code)
  if (hit) return { code, product: hit.product, level: hit.level, price: hit.product.price_per_carton, local: true }
  try {
    const out = await api.get(`/products/by-barcode/${code}`)
    return { code, product: out.product, level: out.level, price: null, local: false }
  } catch (e) {
    if (e instanceof ApiError && e.code === 'UNKNOWN_BARCODE') throw { code: e.code, text: `目录中无此条码：${code}` }
    if (e instanceof ApiError && !e.offline) throw { code: e.code, text: e.text }
    throw { code: 'UNKNOWN_BARCODE', text: `本机目录中无此条码：${code}（联网后可再查）` }
  }
}

/** Fetch everything the field needs offline (after login and at start); failures keep the old copy. */
export async function warmCaches() {
  await Promise.allSettled([loadReference(), loadOfficers(), loadCatalog().then(forgetCatalogIndex)])
}
