// The phone's local database (IndexedDB through idb). Stores:
//   drafts — cases being captured: {localId, caseId|null, body, title, createdAt}; an on-site check:
//            {localId: 'l-<application>', applicationId, title, result (the server's record, once synced)}
//   ops    — the outbox, synced in order: {id, key, kind, localId, payload, blob|blobs, state, error, createdAt}
//   cache  — reference data and the catalog: {name, value, savedAt}
import { openDB } from 'idb'

let dbPromise = null

export function db() {
  dbPromise ??= openDB('zhifa', 1, {
    upgrade(d) {
      d.createObjectStore('drafts', { keyPath: 'localId' })
      const ops = d.createObjectStore('ops', { keyPath: 'id', autoIncrement: true })
      ops.createIndex('localId', 'localId')
      d.createObjectStore('cache', { keyPath: 'name' })
    },
  })
  return dbPromise
}

export function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`
}

export async function cacheGet(name) {
  return (await (await db()).get('cache', name))?.value
}

export async function cachePut(name, value) {
  await (await db()).put('cache', { name, value, savedAt: new Date().toISOString() })
}
