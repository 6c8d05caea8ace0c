import t from 'tap'
import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { HttpMember, prepareData, startServer } from './server-process.js'

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
