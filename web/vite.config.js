// The web front end's areas, each an HTML entry: index.html → the field app (phone, Vant), office.html →
// the office (desktop, Element Plus), public.html → the published decisions (no login, plain Vue); the
// first two use src/shared/ (API client, auth, offline queue, formatting).
// `npm run build` builds them in two passes into one dist/: the field app first (it empties dist/ and writes
// the service worker), then `--mode office`, whose files are all named office-*. Two passes, so no chunk is
// shared: the phone loads exactly what it loaded before the office existed, and never precaches the office.
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { VitePWA } from 'vite-plugin-pwa'

const entry = (file) => fileURLToPath(new URL(file, import.meta.url))
const OFFICE_NAMES = {
  entryFileNames: 'assets/office-[name]-[hash].js',
  chunkFileNames: 'assets/office-[name]-[hash].js',
  assetFileNames: 'assets/office-[name]-[hash][extname]',
}

// Bureau intranets have no internet: no stylesheet may fetch from another host. Vant's icon font lists a
// CDN copy (woff) after its inline woff2; that fallback is dropped, and any other remote url() fails the build.
const REMOTE_FONT_FALLBACK = /,\s*url\((?:https?:)?\/\/[^)]*\)\s*format\(["']woff["']\)/g
const REMOTE_URL = /url\((['"]?)(?:https?:)?\/\/[^)]*\)/
function localAssetsOnly() {
  return {
    name: 'zhifa-local-assets-only',
    enforce: 'pre',
    transform(code, id) {
      // before hashing, so a file's name still changes with its content
      if (id.split('?')[0].endsWith('.css')) return code.replace(REMOTE_FONT_FALLBACK, '')
    },
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== 'asset' || !file.fileName.endsWith('.css')) continue
        const remote = String(file.source).match(REMOTE_URL)
        if (remote) this.error(`${file.fileName} loads from another host: ${remote[0]}`)
      }
    },
  }
}

export default defineConfig(({ mode }) => {
  const office = mode === 'office'
  return {
    base: '/',
    resolve: { alias: { '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)) } },
    build: {
      outDir: 'dist',
      emptyOutDir: !office,
      assetsDir: 'assets',
      chunkSizeWarningLimit: 600,
      rollupOptions: office
        ? { input: { office: entry('./office.html'), public: entry('./public.html') }, output: OFFICE_NAMES }
        : { input: { field: entry('./index.html') } },
    },
    plugins: [
      vue(),
      localAssetsOnly(),
      !office && VitePWA({
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
          maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
          navigateFallback: 'index.html',
          clientsClaim: true, // the first visit is already offline-capable, no second load needed
          skipWaiting: true,
          navigateFallbackAllowlist: [/^\/$/, /^\/index\.html$/],
        },
      }),
    ],
  }
})
