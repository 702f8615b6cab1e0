import { createApp } from 'vue'
import {
  Button, Cell, CellGroup, Dialog, Empty, Field, Form, Icon, List, Loading, NavBar, Popup, Search, Stepper,
  Tabbar, TabbarItem, Tag, Uploader, Progress, Radio, RadioGroup, Picker, Badge, NoticeBar,
} from 'vant'
import 'vant/lib/index.css'
import './field.css'
import App from './App.vue'
import { router } from './router.js'

const app = createApp(App)
for (const c of [Button, Cell, CellGroup, Dialog, Empty, Field, Form, Icon, List, Loading, NavBar, Popup, Search,
  Stepper, Tabbar, TabbarItem, Tag, Uploader, Progress, Radio, RadioGroup, Picker, Badge, NoticeBar]) {
  app.use(c)
}
app.use(router)
app.mount('#app')
