// The API client every area uses: same origin, bearer token from the auth store, JSON errors
// `{code, message}` turned into ApiError so pages can show the Chinese half of the message.
import { auth, onUnauthorized } from './auth.js'
import { zh } from './words.js'

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
  /** The Chinese half of "中文 / English" — what a user reads. */
  get text() {
    return zh(this.message)
  }
  /** No answer at all (offline, server down): the caller may queue and retry. */
  get offline() {
    return this.status === 0
  }
}

async function errorOf(res) {
  let body = null
  try {
    body = await res.json()
  } catch {
    /* not JSON */
  }
  const code = body?.code || `HTTP_${res.status}`
  const message = body?.message || (Array.isArray(body?.detail) ? '输入有误 / invalid input' : `服务器错误 ${res.status}`)
  return new ApiError(res.status, code, message)
}

/**
 * request('GET', '/cases') · request('POST', '/cases', {json, headers}) · {form: FormData} · {raw: true}
 * Throws ApiError; status 0 means the network failed (offline).
 */
export async function request(method, path, { json, form, headers = {}, raw = false, signal } = {}) {
  const h = { Accept: 'application/json', ...headers }
  if (auth.token) h.Authorization = `Bearer ${auth.token}`
  let body
  if (json !== undefined) {
    h['Content-Type'] = 'application/json'
    body = JSON.stringify(json)
  } else if (form) {
    body = form
  }
  let res
  try {
    res = await fetch(path, { method, headers: h, body, signal })
  } catch (e) {
    if (e?.name === 'AbortError') throw e
    throw new ApiError(0, 'OFFLINE', '网络不可用，已保存到本机 / network unavailable')
  }
  if (res.status === 401 && path !== '/auth/token') {
    onUnauthorized()
  }
  if (!res.ok) throw await errorOf(res)
  if (raw) return res
  if (res.status === 204) return null
  return res.json()
}

export const api = {
  get: (path, opts) => request('GET', path, opts),
  post: (path, json, opts = {}) => request('POST', path, { ...opts, json }),
  put: (path, json, opts = {}) => request('PUT', path, { ...opts, json }),
  patch: (path, json, opts = {}) => request('PATCH', path, { ...opts, json }),
  del: (path, opts) => request('DELETE', path, opts),
}

/**
 * POST a multipart form (or PUT a Blob) with upload progress (fetch has none): onProgress(0..1). Same errors
 * as request().
 */
export function upload(path, form, { method = 'POST', headers = {}, onProgress } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open(method, path)
    xhr.setRequestHeader('Accept', 'application/json')
    if (auth.token) xhr.setRequestHeader('Authorization', `Bearer ${auth.token}`)
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v)
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress?.(e.loaded / e.total)
    xhr.onerror = xhr.ontimeout = () => reject(new ApiError(0, 'OFFLINE', '网络不可用，已保存到本机 / network unavailable'))
    xhr.onload = () => {
      let body = null
      try {
        body = JSON.parse(xhr.responseText)
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body)
      if (xhr.status === 401) onUnauthorized()
      reject(new ApiError(xhr.status, body?.code || `HTTP_${xhr.status}`, body?.message || `服务器错误 ${xhr.status}`))
    }
    xhr.send(form)
  })
}
