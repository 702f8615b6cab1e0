// Login state shared by every area: the bearer token (localStorage, so a reload keeps the session)
// and the user from /auth/me. A 401 clears the token but never touches the offline queue.
import { reactive } from 'vue'

const KEY = 'zhifa.token'
const USER = 'zhifa.user'

export const auth = reactive({
  token: localStorage.getItem(KEY) || '',
  user: JSON.parse(localStorage.getItem(USER) || 'null'),
  expired: false,
})

/** The user's roles: the API sends them as one string, "officer;approver". */
export function rolesOf(user = auth.user) {
  return String(user?.roles || '').split(/[;,]/).map((r) => r.trim()).filter(Boolean)
}

export function hasRole(role) {
  return rolesOf().includes(role)
}

export async function login(username, password) {
  const form = new URLSearchParams({ username, password })
  const res = await fetch('/auth/token', { method: 'POST', body: form }).catch(() => null)
  if (!res) throw Object.assign(new Error('网络不可用，无法登录'), { text: '网络不可用，无法登录' })
  if (!res.ok) {
    const body = await res.json().catch(() => ({}))
    const text = String(body.message || '登录失败').split(' / ')[0]
    throw Object.assign(new Error(text), { text })
  }
  const { access_token: token } = await res.json()
  auth.token = token
  auth.expired = false
  localStorage.setItem(KEY, token)
  const me = await fetch('/auth/me', { headers: { Authorization: `Bearer ${token}` } })
  if (!me.ok) throw Object.assign(new Error('登录失败'), { text: '登录失败，请重试' })
  auth.user = await me.json()
  localStorage.setItem(USER, JSON.stringify(auth.user))
  return auth.user
}

export function logout() {
  auth.token = ''
  auth.user = null
  localStorage.removeItem(KEY)
  localStorage.removeItem(USER)
}

/** Called by the API client on 401: the session expired; the page asks to log in again. */
export function onUnauthorized() {
  auth.token = ''
  auth.expired = true
  localStorage.removeItem(KEY)
}
