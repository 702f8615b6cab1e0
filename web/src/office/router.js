// Hash routes (office.html#/todo) so app paths never clash with API paths on the server.
import { createRouter, createWebHashHistory } from 'vue-router'
import { auth } from '@shared/auth.js'
import Login from './views/Login.vue'
import Todo from './views/Todo.vue'

// crumbs: the menu group and the page (UX.md: breadcrumbs under the top bar). dashboards: the Superset boards
// the page matches (true: all), linked above the page in the caller's own scope; a page with a context of its
// own (a case, a search, a month) links them itself. None on the reviewer's workbench: a blind re-review
// must not lead to the first review's score.
export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/login', component: Login, meta: { public: true, title: '登录' } },
    { path: '/', redirect: '/todo' },
    { path: '/todo', component: Todo, meta: { title: '待办事项', group: '案件办理', dashboards: true } },
    {
      path: '/deadlines', component: Todo, props: { only: 'deadlines' },
      meta: { title: '期限预警', group: '案件办理', dashboards: ['enforcement-risk'] },
    },
    {
      path: '/messages', component: () => import('./views/Messages.vue'),
      meta: { title: '消息提醒', group: '案件办理' },
    },
    {
      path: '/cases', component: () => import('./views/CaseSearch.vue'),
      meta: { title: '案件查询', group: '案件办理' },
    },
    {
      path: '/cases/:caseId', component: () => import('./views/CaseView.vue'), props: true,
      meta: { title: '案件详情', group: '案件办理', parent: { title: '案件查询', path: '/cases' } },
    },
    {
      path: '/approvals', component: Todo, props: { only: 'approvals' },
      meta: { title: '待我审批', group: '审批', dashboards: ['fine-consistency', 'enforcement-risk'] },
    },
    {
      path: '/approvals/:caseId/:approvalId', component: () => import('./views/Approval.vue'), props: true,
      meta: { title: '审批详情', group: '审批', parent: { title: '待我审批', path: '/approvals' } },
    },
    {
      path: '/review-tasks', component: () => import('./views/ReviewTasks.vue'),
      meta: { title: '评查任务', group: '案卷评查', dashboards: ['review-operations'] },
    },
    {
      path: '/review-tasks/:taskId', component: () => import('./views/Workbench.vue'), props: true,
      meta: { title: '案卷评查', group: '案卷评查', parent: { title: '评查任务', path: '/review-tasks' } },
    },
    {
      path: '/rules', component: () => import('./views/Rules.vue'),
      meta: { title: '评查规则', group: '案卷评查', dashboards: ['dossier-quality'] },
    },
    {
      path: '/rules/:ruleId', component: () => import('./views/Rules.vue'), props: true,
      meta: { title: '规则编辑', group: '案卷评查', parent: { title: '评查规则', path: '/rules' }, dashboards: ['dossier-quality'] },
    },
    {
      path: '/quality/arbitration', component: () => import('./views/Arbitration.vue'),
      meta: { title: '仲裁队列', group: '案卷评查', dashboards: ['review-operations'] },
    },
    {
      path: '/quality/calibration', component: () => import('./views/Calibration.vue'),
      meta: { title: '评查员校准', group: '案卷评查', dashboards: ['review-operations'] },
    },
    {
      path: '/sampling', component: () => import('./views/Sampling.vue'),
      meta: { title: '抽查方案', group: '案卷评查', dashboards: ['review-operations', 'dossier-quality'] },
    },
    {
      path: '/sampling/draws/:drawId', component: () => import('./views/Draw.vue'), props: true,
      meta: { title: '抽取核验', group: '案卷评查', parent: { title: '抽查方案', path: '/sampling' }, dashboards: ['review-operations'] },
    },
    {
      path: '/training', component: () => import('./views/Training.vue'),
      meta: { title: '培训', group: '培训考评', dashboards: ['enforcement-assessment'] },
    },
    {
      path: '/scorecard', component: () => import('./views/Scorecard.vue'),
      meta: { title: '我的考评', group: '培训考评' },
    },
    {
      path: '/licensing', component: () => import('./views/Licensing.vue'),
      meta: { title: '许可受理', group: '行政许可', dashboards: ['licensing'] },
    },
    {
      path: '/rectifications', component: () => import('./views/Rectifications.vue'),
      meta: { title: '整改事项', group: '案卷评查', dashboards: ['dossier-quality', 'enforcement-assessment'] },
    },
    {
      path: '/rectifications/:rectificationId', component: () => import('./views/Rectification.vue'), props: true,
      meta: { title: '整改详情', group: '案卷评查', parent: { title: '整改事项', path: '/rectifications' }, dashboards: ['dossier-quality'] },
    },
    { path: '/:rest(.*)*', component: () => import('./views/NotFound.vue'), meta: { title: '页面不存在' } },
  ],
})

router.beforeEach((to) => {
  if (!to.meta.public && !auth.token) return { path: '/login', query: { next: to.fullPath } }
  return true
})

router.afterEach((to) => {
  document.title = `${to.meta.title || ''} · 办公端`
})
