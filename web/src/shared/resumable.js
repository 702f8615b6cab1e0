// Resumable upload of one queued photo or video (issue #16 §5): open a session (Idempotency-Key: the
// op's), send chunks from the offset the server holds, complete with the SHA-256. The session id is kept
// on the op in IndexedDB, so after a dropped connection or a reload the upload goes on where it stopped.
import { ApiError, request, upload } from './api.js'
import { newKey } from './store.js'
import { sha256Hex } from './sha256.js'

async function status(base, id) {
  try {
    return await request('GET', `${base}/${id}`)
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null // expired or swept: start again
    throw e
  }
}

/**
 * op: {key, sessionKey?, session?, blob, payload: {name, description}}; save(patch) stores a change of the
 * op; onProgress(share 0..1). Resolves with the server's upload row.
 */
export async function resumableUpload(caseId, op, { save, onProgress }) {
  const base = `/cases/${caseId}/upload-sessions`
  let s = op.session ? await status(base, op.session) : null
  if (!s) {
    const body = { filename: op.payload.name, size: op.blob.size, description: op.payload.description || null }
    s = await request('POST', base, { json: body, headers: { 'Idempotency-Key': op.sessionKey || op.key } })
    await save({ session: s.session_id })
  }
  const size = op.blob.size
  let offset = s.received
  onProgress?.(offset / size)
  while (offset < size) {
    const end = Math.min(size, offset + s.chunk_max_bytes)
    const at = offset
    try {
      const out = await upload(`${base}/${s.session_id}?offset=${at}`, op.blob.slice(at, end), {
        method: 'PUT',
        headers: { 'Content-Type': 'application/octet-stream' },
        onProgress: (share) => onProgress?.((at + share * (end - at)) / size),
      })
      offset = out.received
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 'OFFSET_MISMATCH') throw e
      offset = (await request('GET', `${base}/${s.session_id}`)).received // the server's offset wins
    }
  }
  try {
    return await request('POST', `${base}/${s.session_id}/complete`, { json: { sha256: await sha256Hex(op.blob) } })
  } catch (e) {
    // bytes damaged on the way: the next try opens a fresh session instead of finishing this one
    if (e instanceof ApiError && e.code === 'CHECKSUM_MISMATCH') await save({ session: null, sessionKey: newKey() })
    throw e
  }
}
