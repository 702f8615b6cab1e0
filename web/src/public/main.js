// The public list of published decisions (行政执法公示): open without login, plain Vue and the browser's own
// controls (no UI kit: the page must stay small for citizens on a phone), every asset local.
import { createApp } from 'vue'
import App from './App.vue'

createApp(App).mount('#app')
