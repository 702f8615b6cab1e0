// The caller's 待办/已办, loaded once per page change from GET /office/inbox; the nav badges read it.
import { reactive } from 'vue'
import { api } from '@shared/api.js'

export const inbox = reactive({ data: null, error: '', loading: false })

export async function loadInbox() {
  inbox.loading = true
  try {
    inbox.data = await api.get('/office/inbox')
    inbox.error = ''
  } catch (e) {
    inbox.error = e.text || String(e.message)
  } finally {
    inbox.loading = false
  }
}
