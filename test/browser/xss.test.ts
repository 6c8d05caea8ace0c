import t from 'tap'
import { existsSync } from 'node:fs'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { buildTestApp, NO_POSTING_LIMITS, Visitor } from '../helper.js'
import { makeForum, makeMember, PASSWORD } from '../factories.js'
import { XSS_MARKERS, XSS_PAYLOADS } from '../security/xss-payloads.js'

// The stored-XSS corpus, posted through the forms and opened in a real browser: Debian's
// Chromium, driven by playwright-core (which never downloads a browser of its own).
const CHROMIUM = '/usr/bin/chromium'
// Some 370 page loads in a real browser take longer than a unit test on a small CI machine.
t.setTimeout(300_000)
const SCREENSHOT = '/tmp/kring-xss-topic.png'

/** Records, in every document the page opens, the CSP violations the browser reports. */
function recordViolations (): void {
  const found: string[] = []
  Object.defineProperty(window, '__csp', { value: found })
  document.addEventListener('securitypolicyviolation', event => {
    found.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}${event.sample ? ` (${event.sample})` : ''}`)
  }, true)
}

interface Findings { ran: string[], dialogs: string[], violations: string[], live: string[] }

/** Opens a page, clicks any link in a post whose scheme could run script, and reports what happened. */
async function visit (page: Page, url: string, findings: Findings): Promise<void> {
  const response = await page.goto(url, { waitUntil: 'load' })
  if (response?.status() !== 200) findings.live.push(`${url}: status ${response?.status()}`)
  await page.waitForTimeout(25) // handlers of images that fail to load fire after 'load'
  const dom = await page.evaluate(() => {
    const everything = [...document.querySelectorAll('*')]
    const handlers = everything.flatMap(el => [...el.attributes].filter(a => /^on/i.test(a.name)).map(a => `<${el.localName} ${a.name}>`))
    const bodies = [...document.querySelectorAll('.post-body')]
    const tags = bodies.flatMap(b => [...b.querySelectorAll('script, iframe, object, embed, svg, math, form, input, button, style, base, meta, link')].map(el => `<${el.localName}>`))
    const links = bodies.flatMap(b => [...b.querySelectorAll('a, area')] as HTMLAnchorElement[])
    const dangerous = links.map((a, i) => ({ i, protocol: a.protocol, href: a.getAttribute('href') })).filter(l => /^(javascript|vbscript|data):$/.test(l.protocol))
    // Kring's own script (static/js/writing.js, external, allowed by the CSP) is the only one a page may hold.
    const scripts = [...document.scripts].filter(script => script.getAttribute('src') !== '/static/js/writing.js' || script.text !== '')
    return { scripts: scripts.length, handlers, tags, dangerous }
  })
  if (dom.scripts > 0) findings.live.push(`${url}: ${dom.scripts} <script> element(s)`)
  findings.live.push(...[...dom.handlers, ...dom.tags].map(what => `${url}: ${what}`))
  for (const link of dom.dangerous) {
    findings.live.push(`${url}: link to ${link.href}`)
    await page.locator('.post-body a, .post-body area').nth(link.i).click({ timeout: 2000 }).catch(() => {})
    await page.waitForTimeout(25)
  }
  const marker = await page.evaluate(() => ({ xss: (window as unknown as { __xss?: unknown }).__xss, csp: (window as unknown as { __csp?: string[] }).__csp ?? [] }))
  if (marker.xss !== undefined) findings.ran.push(`${url}: window.__xss = ${String(marker.xss)}`)
  findings.violations.push(...marker.csp.map(v => `${url}: ${v}`))
}

const TABS = 4

/** Visits the URLs on a few tabs at once (page loads dominate the run), each tab reporting dialogs. */
async function visitAll (context: BrowserContext, urls: string[], findings: Findings): Promise<void> {
  await context.addInitScript(recordViolations)
  const queue = [...urls]
  await Promise.all(Array.from({ length: TABS }, async () => {
    const page = await context.newPage()
    page.on('dialog', dialog => {
      findings.dialogs.push(`${page.url()}: ${dialog.type()}(${dialog.message()})`)
      dialog.dismiss().catch(() => {})
    })
    for (let url = queue.shift(); url !== undefined; url = queue.shift()) await visit(page, url, findings)
    await page.close()
  }))
}

t.test('the stored XSS corpus runs no script in headless Chromium', async t => {
  if (!existsSync(CHROMIUM)) {
    t.fail(`Chromium is missing at ${CHROMIUM}; install Debian's package (apt-get install -y chromium), as CI does`)
    return
  }
  const app = await buildTestApp(t, { synchronous: 'NORMAL' }, { ...NO_POSTING_LIMITS, topics_per_page: 1000 })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const origin = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`

  // A lid starts a topic per payload (title and body); a bijdrager, whose links render
  // differently, replies with the same payload made to set window.__xss instead of alerting.
  const forum = await makeForum(app)
  await makeMember(app, 'jan')
  await makeMember(app, 'els', 'bijdrager')
  const jan = new Visitor(app)
  await jan.login('jan', PASSWORD)
  const els = new Visitor(app)
  await els.login('els', PASSWORD)
  const topics: string[] = []
  const corpus = [...XSS_PAYLOADS, ...XSS_MARKERS]
  for (const [i, [name, source]] of corpus.entries()) {
    const newTopic = `/forum/${forum.slug}/new`
    let created = await jan.submit(newTopic, newTopic, { title: source, body: source })
    if (created.statusCode === 400) created = await jan.submit(newTopic, newTopic, { title: `XSS ${i + 1}: ${name}`, body: source })
    t.equal(created.statusCode, 303, `${name}: posted`)
    const topicUrl = String(created.headers.location)
    topics.push(topicUrl)
    const marked = source.replaceAll('alert(1)', 'window.__xss=1').replaceAll('alert(2)', 'window.__xss=2')
    if (marked !== source) {
      const replied = await els.submit(topicUrl, `${topicUrl}/reply`, { body: marked })
      t.equal(replied.statusCode, 303, `${name}: marker reply posted`)
    }
  }
  const firstPosts = await app.db.selectFrom('posts').select('id').where('position', '=', 1).orderBy('id').execute()

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update']
  })
  t.teardown(() => browser.close())
  const started = performance.now()

  // As jan, the author: every page a payload can reach, the edit forms (title in a value,
  // body in a textarea) included.
  const withCsp: Findings = { ran: [], dialogs: [], violations: [], live: [] }
  const context = await browser.newContext()
  const sessionCookies = jan.cookieHeader.split('; ').map(pair => pair.split('='))
  await context.addCookies(sessionCookies.map(([name, ...value]) => ({ name, value: value.join('='), url: origin })))
  const pages = ['/', `/forum/${forum.slug}`, '/user/jan', '/user/els', ...topics, ...firstPosts.map(p => `/post/${p.id}/edit`)]
  await visitAll(context, pages.map(url => origin + url), withCsp)
  const page = await context.newPage()
  await page.goto(origin + topics[XSS_PAYLOADS.findIndex(([name]) => name === 'img onerror')])
  await page.screenshot({ path: SCREENSHOT, fullPage: true })

  // The sanitizer on its own: the same topic pages with the browser told to ignore the CSP.
  const withoutCsp: Findings = { ran: [], dialogs: [], violations: [], live: [] }
  await visitAll(await browser.newContext({ bypassCSP: true }), ['/', `/forum/${forum.slug}`, ...topics].map(url => origin + url), withoutCsp)

  t.comment(`${corpus.length} payloads, ${pages.length + topics.length + 2} page loads in ${Math.round(performance.now() - started)} ms; screenshot in ${SCREENSHOT}`)
  t.comment(`CSP violations (something tried to run or load and was blocked): ${withCsp.violations.length}`)
  for (const violation of withCsp.violations.slice(0, 50)) t.comment(`  ${violation}`)
  t.same(withCsp.dialogs, [], 'no alert, confirm or prompt was opened')
  t.same(withCsp.ran, [], 'no payload set window.__xss')
  t.same(withoutCsp.dialogs, [], 'without the CSP: still no dialog')
  t.same(withoutCsp.ran, [], 'without the CSP: still no payload ran')
  t.same(withCsp.live, [], 'no script, handler, javascript: link or embedding element in the browser\'s DOM')
  t.same(withoutCsp.violations, [], 'with the CSP bypassed nothing reports a violation')
})
