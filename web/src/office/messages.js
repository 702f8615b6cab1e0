// The caller's unread message count for the menu badge, reloaded with the inbox on every page change.
import { reactive } from 'vue'
import { api } from '@shared/api.js'

export const messages = reactive({ unread: 0 })

export async function loadUnread() {
  try {
    messages.unread = (await api.get('/messages?limit=1')).unread
  } catch {
    /* the badge is a hint: the page itself shows the error */
  }
}
