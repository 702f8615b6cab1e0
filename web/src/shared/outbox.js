// The offline queue: every write made in the field (new case, a line of goods, a photo; a licence's
// on-site check record) is stored here first with its own Idempotency-Key, then sent in order. The server
// replays a key it has seen, so a send whose answer was lost is never written twice. A refusal stays in the
// queue with the server's reason until the officer retries or discards it; a lost session stops syncing but
// never empties the queue.
import { reactive } from 'vue'
import { ApiError, request } from './api.js'
import { resumableUpload } from './resumable.js'
import { auth } from './auth.js'
import { db, newKey } from './store.js'

// progress: op id → share of its file sent (uploads show a bar; a broken upload resumes at the server's offset)
export const outbox = reactive({ pending: 0, rejected: 0, syncing: false, online: navigator.onLine, lastError: '', progress: {} })

const CONFLICTS = new Set(['CASE_LOCKED', 'CASE_ARCHIVED', 'NOT_CASE_UNIT', 'CASE_NOT_FOUND'])

async function refreshCounts() {
  const ops = await (await db()).getAll('ops')
  outbox.pending = ops.length
  outbox.rejected = ops.filter((o) => o.state === 'rejected').length
}

export async function listOps(localId) {
  const d = await db()
  return localId ? d.getAllFromIndex('ops', 'localId', localId) : d.getAll('ops')
}

export async function getDraft(localId) {
  return (await db()).get('drafts', localId)
}

export async function listDrafts() {
  return (await db()).getAll('drafts')
}

/** A new case captured on the phone: stored, queued, and sent now if the network allows. */
export async function queueCase(body, title) {
  const localId = `d-${newKey()}`
  const d = await db()
  await d.put('drafts', { localId, caseId: null, body, title, createdAt: new Date().toISOString() })
  await enqueue({ kind: 'create_case', localId, payload: body })
  return localId
}

/** Capture into a case that already exists on the server. */
export async function draftForCase(caseId, title) {
  const localId = `c-${caseId}`
  const d = await db()
  if (!(await d.get('drafts', localId))) {
    await d.put('drafts', { localId, caseId, body: null, title, createdAt: new Date().toISOString() })
  }
  return localId
}

export async function queueItem(localId, item, label) {
  return enqueue({ kind: 'add_item', localId, payload: item, label })
}

export async function queuePhoto(localId, blob, name, description) {
  return enqueue({ kind: 'upload', localId, payload: { name, description }, blob, label: name })
}

/**
 * A licence's on-site check record (实地核查): the form's fields and the photos, sent as one multipart
 * POST. The draft keeps the phone's own layout outcomes (preview) and the server's answer once stored (result).
 */
export async function queueOnsite(applicationId, title, fields, photos, preview) {
  const localId = `l-${applicationId}`
  const d = await db()
  await d.put('drafts', { localId, caseId: null, applicationId, title, preview, createdAt: new Date().toISOString() })
  const blobs = photos.map((f) => ({ name: f.name, blob: f }))
  return enqueue({ kind: 'onsite', localId, payload: { applicationId, fields }, blobs, label: `现场照片 ${blobs.length} 张` })
}

async function enqueue(op) {
  const d = await db()
  const user = auth.user?.username || ''
  const id = await d.add('ops', { ...op, user, key: newKey(), state: 'pending', error: null, createdAt: new Date().toISOString() })
  await refreshCounts()
  sync()
  return id
}

export async function discard(id) {
  await (await db()).delete('ops', id)
  await refreshCounts()
}

export async function retry(id) {
  const d = await db()
  const op = await d.get('ops', id)
  if (op) await d.put('ops', { ...op, state: 'pending', error: null })
  await refreshCounts()
  return sync()
}

function sendOnsite(op, headers) {
  const form = new FormData()
  for (const [k, v] of Object.entries(op.payload.fields)) if (v !== null && v !== undefined) form.append(k, v)
  for (const p of op.blobs) form.append('photos', p.blob, p.name)
  return request('POST', `/licensing/applications/${op.payload.applicationId}/onsite`, { form, headers })
}

// ops that write into a case wait until the case exists on the server (its create op has synced)
const NEEDS_CASE = new Set(['add_item', 'upload'])
// what a synced op leaves on its draft: the new case's id, the on-site record as the server stored it
const DONE = {
  create_case: (out) => ({ caseId: out.case_id }),
  onsite: (out) => ({ result: out }),
}

async function send(op, caseId) {
  const headers = { 'Idempotency-Key': op.key }
  if (op.kind === 'create_case') return request('POST', '/cases', { json: op.payload, headers })
  if (op.kind === 'add_item') return request('POST', `/cases/${caseId}/items`, { json: op.payload, headers })
  if (op.kind === 'onsite') return sendOnsite(op, headers)
  const onProgress = (share) => {
    outbox.progress[op.id] = share
  }
  const save = async (patch) => {
    Object.assign(op, patch)
    await (await db()).put('ops', op)
  }
  const out = await resumableUpload(caseId, op, { save, onProgress })
  delete outbox.progress[op.id] // an interrupted upload keeps its bar where it stopped: it resumes there
  return out
}

let running = null
let backoff = 1000 // a failed send while the phone says it is online is retried soon, then less often

/** Send every pending op in order; resolves when done or stopped (offline, logged out). */
export function sync() {
  running ??= run().finally(() => {
    running = null
  })
  return running
}

async function run() {
  if (!auth.token) return
  outbox.syncing = true
  outbox.lastError = ''
  try {
    const d = await db()
    const ops = await d.getAll('ops')
    const blocked = new Set() // drafts whose earlier op is refused: later ops wait behind it
    for (const op of ops) {
      if (op.user && op.user !== auth.user?.username) continue // another officer's capture on this phone
      if (op.state === 'rejected') {
        blocked.add(op.localId)
        continue
      }
      if (blocked.has(op.localId)) continue
      const draft = await d.get('drafts', op.localId)
      if (NEEDS_CASE.has(op.kind) && !draft?.caseId) {
        blocked.add(op.localId)
        continue
      }
      try {
        const out = await send(op, draft?.caseId)
        if (DONE[op.kind]) await d.put('drafts', { ...draft, ...DONE[op.kind](out) })
        await d.delete('ops', op.id)
        outbox.lastError = ''
        backoff = 1000
      } catch (e) {
        if (!(e instanceof ApiError)) throw e
        if (e.offline || e.status === 401 || e.status >= 500) {
          outbox.lastError = e.status === 401 ? '登录已过期，重新登录后继续同步' : e.text
          if (e.status !== 401 && navigator.onLine) {
            setTimeout(sync, backoff)
            backoff = Math.min(backoff * 2, 30_000)
          }
          break // try again later; nothing is lost
        }
        const conflict = CONFLICTS.has(e.code)
        await d.put('ops', { ...op, state: 'rejected', error: { code: e.code, text: e.text, conflict } })
        blocked.add(op.localId)
      }
    }
  } finally {
    outbox.syncing = false
    await refreshCounts()
  }
}

window.addEventListener('online', () => {
  outbox.online = true
  sync()
})
window.addEventListener('offline', () => {
  outbox.online = false
})
refreshCounts()
