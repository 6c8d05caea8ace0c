// Does a post stop the forum? Starts Kring (the built dist/, NODE_ENV=production) on a fresh
// temporary database with demo content, lets 3 members post the worst Markdown bodies known
// for marked in a loop while 2 guests read GET /, and prints GET /'s latency before and during.
//   npm run build && node bench/post-attack.mjs [seconds]
// BODIES=emphasis15k,staircase picks bodies; KRING_SERVER='node --import tsx src/server.ts' runs from source.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const seconds = Number(process.argv[2] ?? 30)
const SLUG = 'welkom-bij-kring-stel-je-hier-voor'
const bodies = {
  emphasis15k: '_a*'.repeat(5000), // before the render pool: a 12.8 s freeze
  emphasis60k: '*a_'.repeat(20000), // before: 84 s
  staircase: Array.from({ length: 100 }, (_, i) => ' '.repeat(i * 4) + '- '.repeat(16) + 'a').join('\n'),
  underGuard: Array.from({ length: 19 }, () => '_a*'.repeat(1000)).join('\n\n')
}
const chosen = Object.entries(bodies).filter(([name]) => !process.env.BODIES || process.env.BODIES.split(',').includes(name))

const dataDir = mkdtempSync(path.join(tmpdir(), 'kring-attack-'))
const port = await new Promise(resolve => {
  const probe = createServer().listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => resolve(port)) })
})
const base = `http://127.0.0.1:${port}`
const [command, ...args] = (process.env.KRING_SERVER ?? 'node dist/src/server.js').split(' ')
const server = spawn(command, args, {
  env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), TRUST_PROXY: '1', NODE_ENV: 'production', LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit']
})
server.on('exit', code => { if (code !== null && code !== 0) { console.error(`the server exited with ${code}`); process.exit(1) } })
for (let tries = 0; ; tries++) {
  try {
    if ((await fetch(base + '/')).ok) break
  } catch {}
  if (tries > 300) throw new Error('the server did not answer in 30 s')
  await new Promise(resolve => setTimeout(resolve, 100))
}

class Member {
  constructor (ip) { this.ip = ip; this.jar = new Map() }
  keep (response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const at = pair.indexOf('=')
      this.jar.set(pair.slice(0, at), pair.slice(at + 1))
    }
  }
  get cookie () { return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ') }
  async form (page, url, fields) {
    const headers = { cookie: this.cookie, 'x-forwarded-for': this.ip }
    const shown = await fetch(base + page, { headers })
    this.keep(shown)
    const token = /name="_csrf" value="([^"]+)"/.exec(await shown.text())?.[1]
    const response = await fetch(base + url, {
      method: 'POST', redirect: 'manual', headers: { ...headers, cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, ...fields })
    })
    this.keep(response)
    await response.text()
    return response.status
  }
}

const members = []
for (let i = 1; i <= 3; i++) {
  const member = new Member(`10.9.0.${i}`)
  const status = await member.form('/register', '/register', { username: `poster${i}`, email: `poster${i}@example.org`, password: 'een lang wachtwoord 123' })
  if (status !== 303) throw new Error(`sign-up answered ${status}`)
  members.push(member)
}

async function read (until, latencies, counts) {
  while (Date.now() < until) {
    const started = performance.now()
    try {
      await (await fetch(base + '/')).text()
    } catch {
      counts.readErrors = (counts.readErrors ?? 0) + 1
    }
    latencies.push(performance.now() - started)
  }
}

async function post (member, offset, until, counts) {
  for (let n = offset; Date.now() < until; n++) {
    let status
    try {
      status = await member.form(`/topic/${SLUG}`, `/topic/${SLUG}/reply`, { body: chosen[n % chosen.length][1] })
    } catch {
      status = 'error'
    }
    counts[status] = (counts[status] ?? 0) + 1
    if (status === 429) await new Promise(resolve => setTimeout(resolve, 2000))
  }
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b)
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))])
}

const quiet = []
await read(Date.now() + 3000, quiet, {})
const during = []
const counts = {}
const until = Date.now() + seconds * 1000
await Promise.all([read(until, during, counts), read(until, during, counts), ...members.map((m, i) => post(m, i, until, counts))])
server.kill('SIGTERM')
rmSync(dataDir, { recursive: true, force: true })

console.log(`bodies: ${chosen.map(([name]) => name).join(', ')}; ${seconds} s; post answers by status: ${JSON.stringify(counts)}`)
console.log('| GET / | requests | p50 ms | p99 ms | max ms |')
console.log('|---|---|---|---|---|')
console.log(`| quiet | ${quiet.length} | ${percentile(quiet, 0.5)} | ${percentile(quiet, 0.99)} | ${percentile(quiet, 1)} |`)
console.log(`| while posting | ${during.length} | ${percentile(during, 0.5)} | ${percentile(during, 0.99)} | ${percentile(during, 1)} |`)
