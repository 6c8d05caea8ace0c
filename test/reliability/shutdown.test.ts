import t from 'tap'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { HttpMember, prepareData, spawnServer, startServer } from './server-process.js'

t.test('SIGTERM lets the request in flight finish, refuses new ones, checkpoints the WAL and exits 0', async t => {
  const dataDir = t.testdir()
  // At the production scrypt cost a login takes a few hundred milliseconds: a request to be in flight.
  const { topicSlug } = await prepareData(dataDir, 2, { passwordCost: 17 })
  const server = await startServer(dataDir)
  const writer = new HttpMember(server.baseUrl, 'lid1', '127.0.2.1')
  await writer.login()
  t.ok(await writer.reply(topicSlug, 'voor het afsluiten'), 'a write before shutdown')

  const slow = new HttpMember(server.baseUrl, 'lid2', '127.0.2.2')
  await slow.refreshToken('/login')
  const started = Date.now()
  const inFlight = slow.post('/login', { login: 'lid2', password: 'correct horse battery staple' })
  await new Promise(resolve => setTimeout(resolve, 60))
  server.child.kill('SIGTERM')

  const answer = await inFlight
  t.equal(answer.status, 303, 'the login in flight completed')
  const late = await fetch(`${server.baseUrl}/`).then(r => r.status, () => 'refused')
  t.ok(late === 'refused' || late === 503, `a new request is refused (${late})`)

  const { code } = await server.exited
  const took = Date.now() - started
  t.equal(code, 0, 'exit code 0')
  t.ok(took < 10_000, `exited within 10 s (${took} ms)`)
  const wal = path.join(dataDir, 'kring.sqlite-wal')
  t.ok(!existsSync(wal) || statSync(wal).size === 0, 'the WAL was checkpointed into the database')
  const db = new SQLite(path.join(dataDir, 'kring.sqlite'), { readonly: true })
  t.teardown(() => db.close())
  t.ok(db.prepare('select 1 from posts where body_md = ?').get('voor het afsluiten'), 'the acknowledged write is in the database file')
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok')
})

// 10 rounds by default (and in CI); more from the command line:
// KRING_SHUTDOWN_ROUNDS=100 npx tap test/reliability/shutdown.test.ts
const ROUNDS = Number(process.env.KRING_SHUTDOWN_ROUNDS ?? 10)
const MEMBERS = 4
// A clean stop takes well under a second; the server's own fallback ends it after 10 s with exit 1.
const PROMPT_MS = 5_000
// Stopped while posting and reading, in the second half of the start (building the app, warming
// the renderer, listening), the moment the port opens, and early in the start.
const KINDS = ['load', 'starting', 'load', 'listening', 'load', 'early'] as const

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** A guest reading pages and the stylesheet, as a browser does, until stopped or the server is gone. */
async function readUntil (baseUrl: string, topicSlug: string, stop: () => boolean): Promise<void> {
  const urls = ['/', `/topic/${topicSlug}`, '/static/css/kring.css']
  for (let n = 0; !stop(); n++) {
    try {
      await (await fetch(baseUrl + urls[n % urls.length], { headers: { 'x-forwarded-for': '127.0.4.1' } })).arrayBuffer()
    } catch {
      return
    }
  }
}

// What this caught: an answer already on its way when SIGTERM came kept its keep-alive connection,
// and close() waited for the client to hang up (exit 1 from the 10 s fallback, the database not
// closed); a SIGTERM while the forum was starting closed it beside warmRenderer() (exit 1).
t.test(`SIGTERM at any moment, ${ROUNDS} rounds, under load: the process always exits promptly, with 0 once it closed`, async t => {
  // A folder of its own, not t.testdir(): two runs of this file at once must not share a database.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kring-shutdown-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const { topicSlug, usernames } = await prepareData(dataDir, MEMBERS)
  const acknowledged: string[] = []
  let members: HttpMember[] = []
  let startMs = 2_000 // how long a start takes, as the last listening round measured it

  for (let round = 1; round <= ROUNDS; round++) {
    const kind = KINDS[(round - 1) % KINDS.length]
    const server = spawnServer(dataDir)
    const spawnedAt = Date.now()
    let stopped = false
    let load: Array<Promise<void>> = []
    try {
      if (kind === 'early' || kind === 'starting') {
        await sleep(startMs * (kind === 'early' ? Math.random() / 2 : 0.5 + Math.random() * 0.6))
      } else {
        const baseUrl = await server.listening
        startMs = Date.now() - spawnedAt
        if (kind === 'load') {
          if (members.length === 0) {
            members = usernames.map((name, i) => new HttpMember(baseUrl, name, `127.0.3.${i + 1}`))
            for (const member of members) await member.login()
          } else {
            // Same members, same sessions (they live in SQLite), new port.
            members = members.map(m => Object.assign(new HttpMember(baseUrl, m.username, m.ip), { token: m.token, jar: m.jar }))
          }
          load = [
            ...members.map((member, i) => member.replyUntil(topicSlug, `s${round}-m${i}`, () => stopped, acknowledged)),
            readUntil(baseUrl, topicSlug, () => stopped)
          ]
          await sleep(200 + Math.random() * 500)
        }
      }

      // Clients send nothing new from here on, as when a deploy stops the forum; what is in flight goes on.
      stopped = true
      const sentAt = Date.now()
      server.child.kill('SIGTERM')
      const exit = await Promise.race([server.exited, sleep(PROMPT_MS).then(() => null)])
      const took = Date.now() - sentAt
      const at = `round ${round} (${kind}, SIGTERM ${sentAt - spawnedAt} ms after the start)`
      if (exit === null) {
        t.fail(`${at}: still running ${PROMPT_MS} ms after SIGTERM`, { output: server.output().slice(-2000) })
        continue
      }
      t.pass(`${at}: exited in ${took} ms`)
      if (kind === 'early' || kind === 'starting') {
        // Before server.ts has set its handlers (while Node loads the modules) SIGTERM ends the
        // process by itself; nothing is open then. Any later signal is a clean stop.
        t.ok(exit.code === 0 || (exit.code === null && exit.signal === 'SIGTERM'),
          `${at}: exit code 0, or ended by the signal itself (code ${exit.code}, signal ${exit.signal})`, { output: server.output().slice(-2000) })
      } else {
        t.same(exit, { code: 0, signal: null }, `${at}: exit code 0`, { output: server.output().slice(-2000) })
      }
      if (exit.code === 0) {
        const wal = path.join(dataDir, 'kring.sqlite-wal')
        t.ok(!existsSync(wal) || statSync(wal).size === 0, `${at}: the WAL was checkpointed`)
        t.notOk(existsSync(path.join(dataDir, 'kring.pid')), `${at}: the pid file is gone`)
      }
    } finally {
      stopped = true
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
      await server.exited
      await Promise.all(load)
    }
  }

  const db = new SQLite(path.join(dataDir, 'kring.sqlite'), { readonly: true })
  t.teardown(() => db.close())
  const stored = new Set((db.prepare('select body_md from posts').all() as Array<{ body_md: string }>).map(r => r.body_md))
  t.ok(acknowledged.length > 0, `posts were acknowledged (${acknowledged.length})`)
  t.same(acknowledged.filter(body => !stored.has(body)), [], 'no acknowledged post is lost')
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'integrity_check')
})
