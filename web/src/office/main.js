// The office area (desktop, 1366×768 and up): Element Plus, imported per component so only what the
// office uses is bundled — and only into office.html's chunks, never into the phone app's.
import { createApp } from 'vue'
import {
  ElAlert, ElBadge, ElBreadcrumb, ElBreadcrumbItem, ElButton, ElCard, ElConfigProvider, ElDescriptions,
  ElDescriptionsItem, ElEmpty, ElForm, ElFormItem, ElInput, ElMenu, ElMenuItem, ElMenuItemGroup, ElPagination, ElResult,
  ElTable, ElTableColumn, ElTabPane, ElTabs, ElTag, ElLoading,
} from 'element-plus'
import 'element-plus/theme-chalk/base.css'
import 'element-plus/theme-chalk/el-alert.css'
import 'element-plus/theme-chalk/el-badge.css'
import 'element-plus/theme-chalk/el-breadcrumb.css'
import 'element-plus/theme-chalk/el-breadcrumb-item.css'
import 'element-plus/theme-chalk/el-button.css'
import 'element-plus/theme-chalk/el-card.css'
import 'element-plus/theme-chalk/el-descriptions.css'
import 'element-plus/theme-chalk/el-descriptions-item.css'
import 'element-plus/theme-chalk/el-empty.css'
import 'element-plus/theme-chalk/el-form.css'
import 'element-plus/theme-chalk/el-form-item.css'
import 'element-plus/theme-chalk/el-input.css'
import 'element-plus/theme-chalk/el-loading.css'
import 'element-plus/theme-chalk/el-menu.css'
import 'element-plus/theme-chalk/el-menu-item.css'
import 'element-plus/theme-chalk/el-menu-item-group.css'
import 'element-plus/theme-chalk/el-pagination.css'
import 'element-plus/theme-chalk/el-result.css'
import 'element-plus/theme-chalk/el-table.css'
import 'element-plus/theme-chalk/el-table-column.css'
import 'element-plus/theme-chalk/el-tabs.css'
import 'element-plus/theme-chalk/el-tab-pane.css'
import 'element-plus/theme-chalk/el-tag.css'
import './office.css'
import App from './App.vue'
import { menuGroups } from './a11y.js'
import { router } from './router.js'

const app = createApp(App)
for (const c of [ElAlert, ElBadge, ElBreadcrumb, ElBreadcrumbItem, ElButton, ElCard, ElConfigProvider,
  ElDescriptions, ElDescriptionsItem, ElEmpty, ElForm, ElFormItem, ElInput, ElMenu, ElMenuItem, ElMenuItemGroup, ElPagination,
  ElResult, ElTable, ElTableColumn, ElTabPane, ElTabs, ElTag]) {
  app.use(c)
}
app.use(ElLoading)
app.directive('menu-groups', menuGroups)
app.use(router)
app.mount('#app')
