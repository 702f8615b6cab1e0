// EAN-13 checks and on-device decoding with zxing-wasm (the zxing-cpp engine, same as the server's).
// The .wasm is one of our own hashed assets — never the library's default CDN.
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url'

export const LEVEL_ZH = { pack: '盒', carton: '条', case: '件' }

/** null when fine, else {code, text} (the server's codes and words). */
export function checkEan13(code) {
  if (!/^\d{13}$/.test(code)) return { code: 'BAD_BARCODE', text: `条码应为13位数字：${code}` }
  const digits = [...code].map(Number)
  const sum = digits.slice(0, 12).reduce((s, d, i) => s + d * (i % 2 ? 3 : 1), 0)
  if ((10 - (sum % 10)) % 10 !== digits[12]) return { code: 'BAD_CHECK_DIGIT', text: `条码校验位错误：${code}，请核对后重新输入` }
  return null
}

let reader = null

/** The decoder, loaded on first use (keeps it out of the app shell). */
export async function decoder() {
  reader ??= import('zxing-wasm/reader').then(async (m) => {
    await m.prepareZXingModule({ overrides: { locateFile: (p, prefix) => (p.endsWith('.wasm') ? wasmUrl : prefix + p) }, fireImmediately: true })
    return m
  })
  return reader
}

export async function decodeImageData(imageData) {
  const m = await decoder()
  const results = await m.readBarcodes(imageData, { formats: ['EAN13', 'UPCA'], tryHarder: true, maxNumberOfSymbols: 4 })
  return results.filter((r) => r.isValid).map((r) => r.text)
}

let audio = null

/** A short beep and a vibration per new code (the officer may not be looking at the screen). */
export function signal() {
  try {
    navigator.vibrate?.(80)
    audio ??= new AudioContext()
    const osc = audio.createOscillator()
    const gain = audio.createGain()
    osc.frequency.value = 1760
    gain.gain.value = 0.15
    osc.connect(gain).connect(audio.destination)
    osc.start()
    osc.stop(audio.currentTime + 0.08)
  } catch {
    /* sound is a courtesy */
  }
}
