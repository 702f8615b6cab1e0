// Dossier PDFs rendered in the browser by pdf.js, its worker served from our own assets (no CDN). A
// recognised field is highlighted at the box the recogniser measured (page-relative, so at any zoom); where
// it measured none (DOCX, older uploads) the page's text items are searched for the value instead.
import * as pdfjs from 'pdfjs-dist'
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url'

pdfjs.GlobalWorkerOptions.workerSrc = workerUrl

/** Render every page of `data` (ArrayBuffer) into `host`, fitted to its width; returns the pages' text
 * items for search. */
export async function renderPdf(data, host) {
  const doc = await pdfjs.getDocument({ data, isEvalSupported: false }).promise
  host.replaceChildren()
  const pages = []
  const room = Math.max(host.clientWidth - 8, 300)
  for (let n = 1; n <= doc.numPages; n += 1) {
    const page = await doc.getPage(n)
    const scale = room / page.getViewport({ scale: 1 }).width
    const viewport = page.getViewport({ scale })
    const box = document.createElement('div')
    box.className = 'pdf-page'
    box.dataset.page = String(n)
    box.style.width = `${viewport.width}px`
    box.style.height = `${viewport.height}px`
    const canvas = document.createElement('canvas')
    canvas.width = viewport.width
    canvas.height = viewport.height
    canvas.setAttribute('role', 'img')
    canvas.setAttribute('aria-label', `第${n}页`)
    box.append(canvas)
    const tag = document.createElement('span')
    tag.className = 'pdf-page-no'
    tag.textContent = `第 ${n} 页 / 共 ${doc.numPages} 页`
    box.append(tag)
    host.append(box)
    await page.render({ canvasContext: canvas.getContext('2d'), viewport }).promise
    const text = await page.getTextContent()
    pages.push({ n, box, viewport, scale, items: text.items.filter((i) => i.str) })
  }
  return pages
}

const squash = (s) => String(s ?? '').replace(/\s+/g, '')

// a line that *is* the value, or ends with it after its label (当事人：张三), beats one merely containing it
const RANKS = [
  (text, v) => text === v,
  (text, v) => text.endsWith(`：${v}`) || text.endsWith(`:${v}`),
  (text, v) => text.endsWith(v),
  (text, v) => text.includes(v),
]

function bestItem(pages, wanted) {
  for (const rank of RANKS) {
    for (const p of pages) {
      const item = p.items.find((i) => rank(squash(i.str), wanted))
      if (item) return [p, item]
    }
  }
  return [null, null]
}

/** The page where `value` stands (spaces ignored), its line highlighted. */
export function findOnPages(pages, value) {
  const wanted = squash(value)
  if (!wanted) return null
  const [p, item] = bestItem(pages, wanted)
  if (p) {
    const [x, y] = p.viewport.convertToViewportPoint(item.transform[4], item.transform[5])
    const height = Math.abs(item.transform[3]) * p.scale
    const mark = document.createElement('div')
    mark.className = 'pdf-mark'
    mark.style.left = `${x - 4}px`
    mark.style.top = `${y - height - 2}px`
    mark.style.width = `${item.width * p.scale + 8}px`
    mark.style.height = `${height + 6}px`
    p.box.append(mark)
    return { page: p.n, box: p.box, mark }
  }
  return null
}

/** Overlay the recognised field's box (`bbox` x, y, w, h as fractions of the page) on page `page` of
 * `host` (a `.pdf-page` box: a rendered PDF page or a scan); returns the mark, or null without that page. */
export function markBox(host, page, bbox) {
  const box = host.querySelector(`.pdf-page[data-page="${Number(page)}"]`)
  if (!box || !bbox) return null
  const mark = document.createElement('div')
  mark.className = 'pdf-mark'
  mark.dataset.testid = 'field-box'
  // a little room round the line, taken by the frame itself, so that it does not cover the text
  mark.style.boxSizing = 'border-box'
  mark.style.left = `calc(${bbox.x * 100}% - 3px)`
  mark.style.top = `calc(${bbox.y * 100}% - 3px)`
  mark.style.width = `calc(${bbox.w * 100}% + 6px)`
  mark.style.height = `calc(${bbox.h * 100}% + 6px)`
  box.append(mark)
  return mark
}
