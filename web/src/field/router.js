// Hash routes (#/cases/…) so app paths never clash with API paths such as /cases on the server.
import { createRouter, createWebHashHistory } from 'vue-router'
import { auth } from '@shared/auth.js'
import Login from './views/Login.vue'
import Home from './views/Home.vue'

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/login', component: Login, meta: { public: true, title: '登录' } },
    { path: '/', component: Home, meta: { title: '首页', tab: 'home' } },
    { path: '/cases', component: () => import('./views/Cases.vue'), meta: { title: '案件', tab: 'cases' } },
    { path: '/cases/new', component: () => import('./views/NewCase.vue'), meta: { title: '新建案件' } },
    { path: '/capture/:localId', component: () => import('./views/Capture.vue'), meta: { title: '现场采集' } },
    { path: '/cases/:caseId', component: () => import('./views/CaseDetail.vue'), meta: { title: '案件详情' } },
    { path: '/scan', component: () => import('./views/Scan.vue'), meta: { title: '扫码', tab: 'scan' } },
    { path: '/sync', component: () => import('./views/Sync.vue'), meta: { title: '待同步' } },
    { path: '/me', component: () => import('./views/Me.vue'), meta: { title: '我的', tab: 'me' } },
    { path: '/me/scorecards', component: () => import('./views/MyScorecards.vue'), meta: { title: '我的考评', tab: 'me' } },
    { path: '/licence-checks', component: () => import('./views/LicenceCheck.vue'), meta: { title: '许可实地核查' } },
    {
      path: '/licence-checks/:applicationId', component: () => import('./views/LicenceCheck.vue'), props: true,
      meta: { title: '实地核查' },
    },
  ],
})

router.beforeEach((to) => {
  if (!to.meta.public && !auth.token) return { path: '/login', query: { next: to.fullPath } }
  return true
})

router.afterEach((to) => {
  document.title = `${to.meta.title || ''} · 现场办案`
})
