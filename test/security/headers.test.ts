import t from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildTestApp, csrfToken, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'

const CSP = "default-src 'self'; script-src 'self'; script-src-attr 'none'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

/** A policy as a set of directives: helmet joins them with ';' and no space. */
const directives = (policy: string): string[] => policy.split(';').map(d => d.trim().replace(/\s+/g, ' ')).filter(Boolean).sort()

type Header = string | string[] | number | undefined

interface Sample { name: string, html: boolean, response: LightMyRequestResponse }

/** One answer of every kind: pages, a 404, a refused form, redirects after a POST and a GET, a static file. */
async function samples (app: FastifyInstance): Promise<Sample[]> {
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan })
  const visitor = new Visitor(app)
  const get = async (name: string, url: string, html = true): Promise<Sample> => ({ name, html, response: await visitor.get(url) })
  const found = [
    await get('index', '/'),
    await get('forum page', `/forum/${forum.slug}`),
    await get('topic page', `/topic/${topic.slug}`),
    await get('login form', '/login'),
    await get('404 page', '/does-not-exist'),
    await get('post permalink (302)', `/post/${ids[0]}`, false),
    await get('stylesheet', '/static/css/kring.css', false)
  ]
  const token = csrfToken((await visitor.get('/login')).body)!
  found.push({ name: 'refused login (400)', html: true, response: await visitor.postRaw('/login', { _csrf: token, login: 'jan', password: 'wrong wrong wrong' }) })
  found.push({ name: 'CSRF refusal (403)', html: true, response: await visitor.postRaw('/logout', { _csrf: 'forged' }) })
  found.push({ name: 'login redirect (303)', html: false, response: await visitor.postRaw('/login', { _csrf: token, login: 'jan', password: PASSWORD }) })
  return found
}

t.test('every answer carries the security headers', async t => {
  const app = await buildTestApp(t)
  const all = await samples(app)
  const statuses = all.map(s => s.response.statusCode)
  t.same(statuses, [200, 200, 200, 200, 404, 302, 200, 400, 403, 303], 'each sample is the kind it claims to be')

  for (const { name, html, response } of all) {
    const h = response.headers as Record<string, Header>
    t.same(directives(String(h['content-security-policy'] ?? '')), directives(CSP), `${name}: Content-Security-Policy`)
    t.equal(h['x-content-type-options'], 'nosniff', `${name}: nosniff`)
    t.equal(h['referrer-policy'], 'same-origin', `${name}: Referrer-Policy`)
    t.equal(h['x-powered-by'], undefined, `${name}: no X-Powered-By`)
    t.equal(h.server, undefined, `${name}: no Server banner`)
    t.equal(h['strict-transport-security'], undefined, `${name}: no HSTS while BASE_URL is http`)
    if (html) t.equal(h['content-type'], 'text/html; charset=utf-8', `${name}: HTML in UTF-8`)
  }
  const css = all.find(s => s.name === 'stylesheet')!.response
  t.match(String(css.headers['content-type']), /^text\/css/, 'the stylesheet is served as CSS')
})

t.test('over real HTTP there is no version banner either', async t => {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  for (const path of ['/', '/nope', '/static/css/kring.css']) {
    const response = await fetch(`http://127.0.0.1:${port}${path}`)
    await response.arrayBuffer()
    t.equal(response.headers.get('server'), null, `${path}: no Server header`)
    t.equal(response.headers.get('x-powered-by'), null, `${path}: no X-Powered-By`)
    t.same(directives(response.headers.get('content-security-policy') ?? ''), directives(CSP), `${path}: CSP`)
  }
})

t.test('HSTS and Secure cookies when BASE_URL is https', async t => {
  const app = await buildTestApp(t, { baseUrl: 'https://forum.example' })
  for (const { name, response } of await samples(app)) {
    const hsts = String(response.headers['strict-transport-security'] ?? '')
    t.match(hsts, /max-age=(\d+)/, `${name}: HSTS`)
    t.ok(Number(/max-age=(\d+)/.exec(hsts)?.[1]) >= 15_552_000, `${name}: HSTS for at least half a year`)
    for (const cookie of ([] as string[]).concat(response.headers['set-cookie'] ?? [])) {
      t.match(cookie, /;\s*Secure/i, `${name}: ${cookie.split('=')[0]} cookie is Secure`)
      t.match(cookie, /;\s*HttpOnly/i, `${name}: ${cookie.split('=')[0]} cookie is HttpOnly`)
    }
  }
})

t.test('canonical and absolute links come from BASE_URL, never from the Host header', async t => {
  for (const trustProxy of [false, true]) {
    const app = await buildTestApp(t, { baseUrl: 'https://forum.example', trustProxy })
    const forum = await makeForum(app)
    const jan = await makeMember(app, 'jan')
    const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan })
    const hostile = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http', forwarded: 'host=evil.example;proto=http' }
    const pages: Array<[url: string, canonical: string]> = [
      ['/', 'https://forum.example/'],
      [`/forum/${forum.slug}`, `https://forum.example/forum/${forum.slug}`],
      [`/topic/${topic.slug}?page=1&x=%3Cscript%3E`, `https://forum.example/topic/${topic.slug}`],
      ['/login', 'https://forum.example/login'],
      ['/gibt-es-nicht', 'https://forum.example/gibt-es-nicht']
    ]
    for (const [url, canonical] of pages) {
      const response = await app.inject({ url, headers: hostile })
      const label = `${url}${trustProxy ? ' behind a trusted proxy' : ''}`
      t.match(response.body, `<link rel="canonical" href="${canonical}">`, `${label}: canonical from BASE_URL`)
      t.notMatch(response.body, 'evil.example', `${label}: the Host header appears nowhere`)
    }
    const redirect = await app.inject({ url: `/post/${ids[0]}`, headers: hostile })
    t.equal(redirect.statusCode, 302)
    t.notMatch(String(redirect.headers.location), 'evil.example', 'a redirect does not point at the Host header')
  }
})
