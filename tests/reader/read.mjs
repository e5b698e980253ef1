// Open an EPUB in foliate-js inside headless Chromium and report what it rendered, as JSON.
// Usage: node read.mjs BOOK.epub SCREENSHOT_DIR   (CHROMIUM overrides /usr/bin/chromium)
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = path.dirname(fileURLToPath(import.meta.url))
const [epub, shots] = process.argv.slice(2)
const engine = path.join(here, 'node_modules', 'foliate-js')
const types = { '.js': 'text/javascript', '.html': 'text/html', '.epub': 'application/epub+zip' }

function fileFor(url) {
  const route = decodeURIComponent(new URL(url, 'http://x').pathname)
  if (route === '/') return path.join(here, 'harness.html')
  if (route === '/book.epub') return epub
  if (route.startsWith('/foliate/')) {
    const file = path.resolve(engine, route.slice('/foliate/'.length))
    return file.startsWith(engine + path.sep) ? file : null
  }
  return null
}

const server = http.createServer((request, response) => {
  const file = fileFor(request.url)
  if (!file || !fs.existsSync(file)) { response.writeHead(404); response.end(); return }
  response.writeHead(200, { 'Content-Type': types[path.extname(file)] ?? 'application/octet-stream' })
  fs.createReadStream(file).pipe(response)
})
await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${server.address().port}/`

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] })
const report = { errors: [] }
try {
  const page = await browser.newPage({ viewport: { width: 700, height: 1000 } })
  page.on('pageerror', error => report.errors.push(String(error)))
  await page.goto(url)
  await page.waitForFunction(() => window.reader)
  report.opened = await page.evaluate(() => window.reader.ready)
  Object.assign(report, await page.evaluate(() => {
    const { book } = window.reader.view
    const flatten = items => items.flatMap(item => [item, ...flatten(item.subitems ?? [])])
    return {
      title: book.metadata?.title,
      language: book.metadata?.language,
      toc: (book.toc ?? []).map(item => ({ label: item.label.trim(), href: item.href })),
      tocEntries: flatten(book.toc ?? []).length,
      pageList: (book.pageList ?? []).map(item => item.label.trim()),
      sections: book.sections.length,
    }
  }))

  // Show a section and return what its rendered document holds.
  const show = async (target, name) => {
    await page.evaluate(target => window.reader.view.goTo(target), target)
    await page.waitForFunction(() => {
      const [content] = window.reader.view.renderer.getContents()
      return content && content.doc.body && content.doc.body.textContent.trim().length + content.doc.images.length > 0
    })
    await page.waitForTimeout(300)
    await page.screenshot({ path: path.join(shots, `${name}.png`) })
    return page.evaluate(() => {
      const { doc } = window.reader.view.renderer.getContents()[0]
      const image = doc.querySelector('img')
      return {
        text: doc.body.textContent.replace(/\s+/g, ' ').trim().slice(0, 4000),
        image: image ? { alt: image.alt, width: image.naturalWidth } : null,
        noterefs: doc.querySelectorAll('a[role="doc-noteref"]').length,
        footnotes: [...doc.querySelectorAll('aside[role="doc-footnote"]')].map(a => a.textContent.replace(/\s+/g, ' ').trim()),
        pagebreaks: doc.querySelectorAll('[role="doc-pagebreak"]').length,
      }
    })
  }
  report.cover = await show(0, 'cover')
  for (const item of report.toc) { // the first chapter with a footnote
    report.chapter = { label: item.label, ...await show(item.href, 'chapter') }
    if (report.chapter.noterefs) break
  }
} finally {
  await browser.close()
  server.close()
}
console.log(JSON.stringify(report))
