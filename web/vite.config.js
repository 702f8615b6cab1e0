// One Vite build for every area of the web front end. Each area is an HTML entry (multi-page):
// index.html → the field app (phone, Vant). The office workbench adds office.html → src/office/
// to `entries` below; both share src/shared/ (API client, auth, offline queue, formatting).
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { VitePWA } from 'vite-plugin-pwa'

const entries = {
  field: fileURLToPath(new URL('./index.html', import.meta.url)),
  office: fileURLToPath(new URL('./office.html', import.meta.url)),
}

export default defineConfig({
  base: '/',
  resolve: { alias: { '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)) } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      input: entries,
      // office chunks are named office-* so the phone's service worker can leave them out of its precache
      output: {
        chunkFileNames: (chunk) =>
          (chunk.moduleIds.some((id) => id.includes('/src/office/')) ? 'assets/office-[name]-[hash].js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  plugins: [
    vue(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script',
      manifest: {
        name: '执法现场办案',
        short_name: '现场办案',
        description: '烟草专卖执法现场办案：扫码、估值、裁量、文书',
        lang: 'zh-CN',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f7f8fa',
        theme_color: '#1d5fbf',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any maskable' },
        ],
      },
      workbox: {
        // the app shell and the decoder (.wasm) are precached; API calls are never cached by the
        // service worker — reference data and the catalog are kept in IndexedDB by the app itself
        globPatterns: ['**/*.{js,css,html,png,svg,wasm,webmanifest}'],
        globIgnores: ['office.html', 'assets/office-*'], // the desktop office area is never cached on phones
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        navigateFallback: 'index.html',
        navigateFallbackAllowlist: [/^\/$/, /^\/index\.html$/],
      },
    }),
  ],
})
