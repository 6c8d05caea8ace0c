// npm run bench [-- --quick] [--seconds S]
//
// Kring, built and started as in production (NODE_ENV=production, default logging, a fresh
// database from bench/setup.ts), against a bare fastify sending byte for byte the page Kring
// sent (bench/bare.ts), loaded alternately by the same autocannon client, two rounds each.
// Prints one table: page, bytes, Kring req/s and p99, bare req/s, ratio. Then replies per
// second through the real form (8 members, session and CSRF, synchronous=FULL) against the
// same client's ceiling on a bare 303, and, unless --quick, search, start-up and memory on a
// forum of a million posts (made by `kring demo`).
//
// With DATABASE_URL=postgres://… (an empty database) the bench forum is made on SQLite and
// moved there with `kring copy-to-postgres`, and Kring runs on PostgreSQL; `--processes 2`
// starts two Kring processes on it and loads both ports at once, half the connections each.
// The million-post forum is made on SQLite by `kring demo`; with DATABASE_URL, pass a second
// empty database as --million-url to move it there and measure it on PostgreSQL.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { BENCH_PASSWORD, makeBenchForum, POSTERS, SLUGS } from './setup.js'

const root = path.resolve(import.meta.dirname, '..')
const { values: options } = parseArgs({ options: { quick: { type: 'boolean', default: false }, seconds: { type: 'string', default: '5' }, processes: { type: 'string', default: '1' }, 'million-url': { type: 'string' } } })
const SECONDS = Number(options.seconds)
const CONNECTIONS = 10
const KRING_PORT = 3901
const BARE_PORT = 3902
const databaseUrl = process.env.DATABASE_URL || null
const PROCESSES = Number(options.processes)
if (PROCESSES !== 1 && (PROCESSES !== 2 || databaseUrl === null)) throw new Error('--processes 2 needs DATABASE_URL (several processes share one PostgreSQL database)')
/** Each Kring process's port: 3901, then 3903. */
const kringPorts = Array.from({ length: PROCESSES }, (_, i) => KRING_PORT + 2 * i)

interface Load { rps: number, p99: number, errors: number }

async function load (url: string, headers: Record<string, string> = {}, more: Record<string, unknown> = {}): Promise<Load> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers, ...more })
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx - (more.method === 'POST' ? result['3xx'] ?? 0 : 0) }
}

/** Kring's every process at once, the connections shared out: summed req/s, the worst p99. */
async function loadKring (path: string, headers: Record<string, string> = {}): Promise<Load> {
  if (PROCESSES === 1) return load(`http://127.0.0.1:${KRING_PORT}${path}`, headers)
  const results = await Promise.all(kringPorts.map(port => autocannon({ url: `http://127.0.0.1:${port}${path}`, connections: CONNECTIONS / PROCESSES, duration: SECONDS, headers })))
  return { rps: results.reduce((sum, r) => sum + r.requests.average, 0), p99: Math.max(...results.map(r => r.latency.p99)), errors: results.reduce((sum, r) => sum + r.errors + r.non2xx, 0) }
}

async function waitForAnswer (url: string, timeoutMs = 120_000): Promise<number> {
  const started = performance.now()
  for (;;) {
    try {
      const response = await fetch(url)
      await response.arrayBuffer()
      if (response.ok) return performance.now() - started
    } catch {}
    if (performance.now() - started > timeoutMs) throw new Error(`no answer from ${url}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/** Every process the bench starts, stopped however the bench ends. */
const children = new Set<ChildProcess>()
process.on('exit', () => { for (const child of children) child.kill('SIGKILL') })
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(1))

function track (child: ChildProcess): ChildProcess {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/** The node flags `npm start` gives the server (package.json), so the bench runs it as installed. */
const START_FLAGS = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start as string).split(' ').filter(word => word.startsWith('--'))

function startKring (dataDir: string, extraEnv: Record<string, string> = {}, port = KRING_PORT): ChildProcess {
  return track(spawn(process.execPath, [...START_FLAGS, path.join(root, 'dist/src/server.js')], {
    env: { ...process.env, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', KRING_DEMO: '0', TRUST_PROXY: '1', ...extraEnv },
    stdio: ['ignore', 'ignore', 'inherit']
  }))
}

async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

/** A member's session cookie and a CSRF token, through the real login form. */
let logins = 0
async function logIn (origin: string, username: string): Promise<{ cookie: string, token: (page: string) => Promise<string> }> {
  // Each member from an address of their own (Kring runs with TRUST_PROXY here), as members do: logins are limited per address.
  const from = { 'x-forwarded-for': `10.0.0.${++logins}` }
  const jar = new Map<string, string>()
  const keep = (response: Response): void => {
    for (const line of response.headers.getSetCookie()) { const [pair] = line.split(';'); const at = pair.indexOf('='); jar.set(pair.slice(0, at), pair.slice(at + 1)) }
  }
  const cookie = (): string => [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
  const token = async (page: string): Promise<string> => {
    const response = await fetch(origin + page, { headers: { cookie: cookie(), ...from } })
    keep(response)
    return /name="_csrf" value="([^"]+)"/.exec(await response.text())![1]
  }
  const body = new URLSearchParams({ _csrf: await token('/login'), login: username, password: BENCH_PASSWORD })
  const response = await fetch(`${origin}/login`, { method: 'POST', body, headers: { cookie: cookie(), ...from }, redirect: 'manual' })
  keep(response)
  if (response.status !== 303) throw new Error(`login of ${username} answered ${response.status}: ${(await response.text()).match(/class="(?:field-error|error-reason)"[^>]*>([^<]*)/)?.[1]}`)
  return { get cookie () { return cookie() }, token }
}

const rows: string[][] = []
const row = (...cells: Array<string | number>): void => { rows.push(cells.map(String)) }
const fixed = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

console.error('building…')
execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' })
const dataDir = mkdtempSync(path.join(tmpdir(), 'kring-bench-'))
console.error(`making the bench forum in ${dataDir}…`)
await makeBenchForum(dataDir)
if (databaseUrl !== null) {
  console.error('moving it to PostgreSQL with kring copy-to-postgres…')
  execFileSync(process.execPath, [path.join(root, 'dist/src/cli.js'), 'copy-to-postgres', databaseUrl], { env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' }, stdio: 'inherit' })
}
const kringProcesses = kringPorts.map(port => startKring(dataDir, databaseUrl === null ? {} : { DATABASE_URL: databaseUrl }, port))
const origin = `http://127.0.0.1:${KRING_PORT}`
for (const port of kringPorts) await waitForAnswer(`http://127.0.0.1:${port}/`)
const reader = await logIn(origin, 'lezer')

const pages = [
  { name: 'guest topic page (12 posts)', path: `/topic/${SLUGS.topic}` },
  { name: 'member topic page (12 posts)', path: `/topic/${SLUGS.topic}`, member: true },
  { name: 'guest forum page', path: `/forum/${SLUGS.forum}` },
  { name: 'member forum page', path: `/forum/${SLUGS.forum}`, member: true },
  { name: 'guest index', path: '/' },
  { name: 'member index', path: '/', member: true },
  // As a member, so the page is made each time (a guest's would come from the page cache).
  { name: '10,000-post topic, first page (member)', path: `/topic/${SLUGS.long}`, member: true },
  { name: '10,000-post topic, last page, full (member)', path: `/topic/${SLUGS.long}/page/1000`, member: true },
  { name: '50,000-topic forum, page 1 (member)', path: `/forum/${SLUGS.big}`, member: true },
  { name: '50,000-topic forum, page 1000 (member)', path: `/forum/${SLUGS.big}/page/1000`, member: true }
]
const sent: Array<{ body: string, type: string }> = []
for (const page of pages) {
  const response = await fetch(origin + page.path, { headers: page.member ? { cookie: reader.cookie } : {} })
  if (response.status !== 200) throw new Error(`${page.path} answered ${response.status}`)
  sent.push({ body: await response.text(), type: response.headers.get('content-type') ?? 'text/html' })
}
const pagesFile = path.join(dataDir, 'pages.json')
writeFileSync(pagesFile, JSON.stringify(sent))
const bare = track(spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/bare.ts'), pagesFile, String(BARE_PORT)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
await new Promise(resolve => bare.once('message', resolve))

row('page', 'bytes', 'Kring req/s', 'Kring p99 ms', 'bare req/s', 'ratio')
const perPage = new Map<string, number>()
for (const [i, page] of pages.entries()) {
  const headers = page.member ? { cookie: reader.cookie } : {}
  const kringRounds: Load[] = []
  const bareRounds: Load[] = []
  for (let round = 0; round < 2; round++) {
    kringRounds.push(await loadKring(page.path, headers))
    bareRounds.push(await load(`http://127.0.0.1:${BARE_PORT}/p/${i}`))
  }
  const mean = (loads: Load[], key: keyof Load): number => loads.reduce((sum, l) => sum + l[key], 0) / loads.length
  const k = mean(kringRounds, 'rps')
  const b = mean(bareRounds, 'rps')
  perPage.set(page.name, k)
  const errors = kringRounds.reduce((sum, l) => sum + l.errors, 0)
  row(page.name + (errors > 0 ? ` (${errors} errors)` : ''), fixed(Buffer.byteLength(sent[i].body)), fixed(k), fixed(mean(kringRounds, 'p99'), 1), fixed(b), fixed(k / b, 2))
  console.error(rows.at(-1)!.join(' | '))
}
row('last page / first page of the 10,000-post topic', '', fixed(perPage.get(pages[7].name)! / perPage.get(pages[6].name)!, 2), '', '', '')
row('page 1000 / page 1 of the 50,000-topic forum', '', fixed(perPage.get(pages[9].name)! / perPage.get(pages[8].name)!, 2), '', '', '')

// Replies through the real form: each of 8 members on a connection of their own, with their session and token.
const posters = await Promise.all(POSTERS.map(async name => {
  const member = await logIn(origin, name)
  return { cookie: member.cookie, token: await member.token(`/topic/${SLUGS.replies}`) }
}))
const replyLoad = async (target: string, poster: { cookie: string, token: string }, i: number): Promise<autocannon.Result> => autocannon({
  url: target, connections: 1, duration: SECONDS, method: 'POST',
  headers: { cookie: poster.cookie, 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ _csrf: poster.token, body: `Een reactie van schrijver ${i + 1}: ${'Dat herken ik, bij ons ging het net zo met het rooster en de vergoeding. '.repeat(3)}` }).toString()
})
const postsBefore = Number((await (await fetch(`${origin}/topic/${SLUGS.replies}`)).text()).match(/van in totaal ([\d.]+)/)?.[1].replace('.', '') ?? 0)
for (let round = 0; round < 2; round++) {
  // With two processes, every other member posts to the second.
  const kringReplies = await Promise.all(posters.map((poster, i) => replyLoad(`http://127.0.0.1:${kringPorts[i % PROCESSES]}/topic/${SLUGS.replies}/reply`, poster, i)))
  const bareReplies = await Promise.all(posters.map((poster, i) => replyLoad(`http://127.0.0.1:${BARE_PORT}/reply`, poster, i)))
  const sum = (results: autocannon.Result[]): number => results.reduce((total, r) => total + r['3xx'] / SECONDS, 0)
  const wrong = kringReplies.reduce((total, r) => total + r.non2xx - r['3xx'] + r.errors, 0)
  row(`replies/s through the form, 8 members, FULL (round ${round + 1})${wrong > 0 ? ` (${wrong} not 303)` : ''}`, '', fixed(sum(kringReplies)),
    fixed(Math.max(...kringReplies.map(r => r.latency.p99)), 1), fixed(sum(bareReplies)), fixed(sum(kringReplies) / sum(bareReplies), 2))
  console.error(rows.at(-1)!.join(' | '))
}
const postsAfter = Number((await (await fetch(`${origin}/topic/${SLUGS.replies}`)).text()).match(/van in totaal ([\d.]+)/)?.[1].replace('.', '') ?? 0)
console.error(`replies stored: ${postsAfter - postsBefore}`)
for (const kring of kringProcesses) await stop(kring)
bare.kill()

const millionUrl = options['million-url'] ?? null
if (!options.quick && databaseUrl !== null && millionUrl === null) console.error('no million-post rows: on PostgreSQL they need --million-url URL, a second empty database')
if (!options.quick && (databaseUrl === null || millionUrl !== null)) {
  const bigDir = mkdtempSync(path.join(tmpdir(), 'kring-bench-1m-'))
  console.error('making a forum of 1,000,000 posts with kring demo (a few minutes)…')
  execFileSync(process.execPath, [path.join(root, 'dist/src/cli.js'), 'demo', '--posts', '1000000', '--topics', '50000', '--members', '2000'], { env: { ...process.env, DATA_DIR: bigDir, DATABASE_URL: '' }, stdio: 'inherit' })
  if (millionUrl !== null) {
    console.error('moving it to PostgreSQL with kring copy-to-postgres (a few minutes)…')
    execFileSync(process.execPath, [path.join(root, 'dist/src/cli.js'), 'copy-to-postgres', millionUrl], { env: { ...process.env, DATA_DIR: bigDir, DATABASE_URL: '' }, stdio: 'inherit' })
  }
  const bigEnv = millionUrl === null ? {} : { DATABASE_URL: millionUrl }
  // Start-up to first answer: the installed, built forum, its index current.
  const startups: number[] = []
  for (let i = 0; i < 3; i++) {
    const started = performance.now()
    const server = startKring(bigDir, bigEnv)
    await waitForAnswer(`${origin}/`)
    startups.push(performance.now() - started)
    await stop(server)
  }
  row('start-up to first answer at 1M posts (best of 3)', '', `${fixed(Math.min(...startups))} ms`, '', '', '')
  const server = startKring(bigDir, bigEnv)
  await waitForAnswer(`${origin}/`)
  const queries = ['verlof', 'thuiswerken vergoeding', '"reiskosten declaratie"', 'pensi*', 'ver*', 'cao -salaris', 'verzuim in:titel']
  const timings: number[] = []
  for (let round = 0; round < 10; round++) {
    for (const q of queries) {
      const started = performance.now()
      // A URL of its own each time, so no answer comes from the guests' page cache.
      await (await fetch(`${origin}/search?q=${encodeURIComponent(q)}&run=${round}`)).text()
      timings.push(performance.now() - started)
    }
  }
  timings.sort((a, b) => a - b)
  row('search at 1M posts, p50 / p95 (7 kinds of query, over HTTP)', '', `${fixed(timings[Math.floor(timings.length / 2)], 1)} / ${fixed(timings[Math.floor(timings.length * 0.95)], 1)} ms`, '', '', '')
  let rss = 0
  const sampler = setInterval(() => {
    const status = readFileSync(`/proc/${server.pid}/status`, 'utf8')
    rss = Math.max(rss, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024)
  }, 100)
  const first = /href="\/topic\/([^"/#]+)"/.exec(await (await fetch(`${origin}/latest`)).text())?.[1] ?? ''
  await load(`${origin}/topic/${first}`)
  await load(`${origin}/search?q=verlof`)
  clearInterval(sampler)
  row('RSS under load at 1M posts (topic pages, then search)', '', `${fixed(rss)} MB`, '', '', '')
  await stop(server)
  rmSync(bigDir, { recursive: true, force: true })
}
rmSync(dataDir, { recursive: true, force: true })

const widths = rows[0].map((_, c) => Math.max(...rows.map(r => (r[c] ?? '').length)))
console.log(rows.map((r, i) => `| ${r.map((cell, c) => c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])).join(' | ')} |${i === 0 ? `\n|${widths.map((w, c) => c === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`).join('|')}|` : ''}`).join('\n'))
console.log(`\n${SECONDS} s per load, ${CONNECTIONS} connections, 2 rounds each alternating; ${databaseUrl === null ? 'SQLite' : `PostgreSQL, ${PROCESSES} Kring process${PROCESSES > 1 ? 'es' : ''}`}; Node ${process.version}; ${(await import('node:os')).cpus().length} cores`)
