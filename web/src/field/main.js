import { createApp } from 'vue'
// only the Vant components the field pages use, each with its own stylesheet (not all of Vant's CSS)
import { Button, Cell, CellGroup, Empty, Loading, NavBar, Tabbar, TabbarItem, Tag } from 'vant'
import 'vant/es/button/style/index'
import 'vant/es/cell/style/index'
import 'vant/es/cell-group/style/index'
import 'vant/es/empty/style/index'
import 'vant/es/loading/style/index'
import 'vant/es/nav-bar/style/index'
import 'vant/es/tabbar/style/index'
import 'vant/es/tabbar-item/style/index'
import 'vant/es/tag/style/index'
import './field.css'
import App from './App.vue'
import { router } from './router.js'

const app = createApp(App)
for (const component of [Button, Cell, CellGroup, Empty, Loading, NavBar, Tabbar, TabbarItem, Tag]) app.use(component)
app.use(router)
app.mount('#app')
