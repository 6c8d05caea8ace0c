// A topic followed by 2,000 members: how fast is the reply acknowledged, how long does the
// fan-out take, and how many mails a second go out through the one pooled SMTP connection?
//   node --import tsx bench/fan-out.ts [followers]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { hashPassword } from '../src/lib/passwords.js'
import { createForum } from '../src/models/forums.js'
import { createTopic } from '../src/models/topics.js'

const followers = Number(process.argv[2] ?? 2000)
let received = 0
const sink = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false, onData (stream, _s, done) { stream.resume(); stream.on('end', () => { received++; done() }) } })
sink.on('error', () => {})
await new Promise<void>(resolve => sink.listen(0, '127.0.0.1', resolve))
const port = (sink.server.address() as AddressInfo).port

const dataDir = mkdtempSync(path.join(tmpdir(), 'kring-fanout-'))
const app = await buildApp(loadConfig({}, { dataDir, demo: false, logLevel: 'silent', passwordCost: 10, smtpUrl: `smtp://127.0.0.1:${port}`, baseUrl: 'https://forum.example.org' }))
app.settings.mail_delay_minutes = 0
Object.assign(app.settings, { limit_lid_seconds: 0, limit_bijdrager_seconds: 0 })
const hash = await hashPassword('een lang wachtwoord', 10)
const now = Date.now()
await app.db.insertInto('users').values(Array.from({ length: followers + 2 }, (_, i) => ({
  username: `lid${i}`, username_key: `lid${i}`, email: `lid${i}@example.org`, email_key: `lid${i}@example.org`, password_hash: hash, created_at: now, email_confirmed_at: now
}))).execute()
const forum = await createForum(app.db, { name: 'Algemeen' })
const { topic } = await createTopic(app.db, { forumId: forum.id, authorId: 1, title: 'Een druk onderwerp', bodyMd: 'Start', bodyHtml: '<p>Start</p>' })
await app.db.insertInto('watches').values(Array.from({ length: followers }, (_, i) => ({ user_id: i + 3, topic_id: topic.id, forum_id: null, level: 'watching' as const }))).execute()

// Log in as member 2 through the real form, then reply twice: once warm-up, once measured.
const login = await app.inject({ url: '/login' })
const csrf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)![1]
const jar = (r: { cookies: Array<{ name: string, value: string }> }, into: Map<string, string>): void => { for (const c of r.cookies) into.set(c.name, c.value) }
const cookies = new Map<string, string>()
jar(login, cookies)
const header = (): string => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ')
jar(await app.inject({ method: 'POST', url: '/login', headers: { cookie: header(), 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrf(login.body), login: 'lid1', password: 'een lang wachtwoord' }).toString() }), cookies)
async function replyOnce (text: string): Promise<number> {
  const page = await app.inject({ url: `/topic/${topic.slug}`, headers: { cookie: header() } })
  const started = performance.now()
  const response = await app.inject({ method: 'POST', url: `/topic/${topic.slug}/reply`, headers: { cookie: header(), 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrf(page.body), body: text }).toString() })
  if (response.statusCode !== 303) throw new Error(`reply answered ${response.statusCode}`)
  return performance.now() - started
}
await replyOnce('warm-up')
await app.notifier.flush()
await app.db.deleteFrom('outbox').execute()
await app.db.deleteFrom('notifications').execute()
received = 0

const acknowledged = await replyOnce('Een reactie voor 2.000 volgers')
const fanStart = performance.now()
await app.notifier.flush()
const fanOutMs = performance.now() - fanStart
const notifications = Number((await app.db.selectFrom('notifications').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
const queued = Number((await app.db.selectFrom('outbox').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
const sendStart = performance.now()
while (received < queued) await app.mailer.flush()
const sendMs = performance.now() - sendStart
console.log(`followers: ${followers}`)
console.log(`reply acknowledged in ${acknowledged.toFixed(1)} ms (the fan-out runs after the answer)`)
console.log(`fan-out: ${notifications} notifications and ${queued} mails written in ${fanOutMs.toFixed(0)} ms`)
console.log(`sending: ${received} mails through one pooled SMTP connection in ${(sendMs / 1000).toFixed(1)} s = ${(received / (sendMs / 1000)).toFixed(0)} mails/s`)
await app.close()
await new Promise<void>(resolve => sink.close(() => resolve()))
rmSync(dataDir, { recursive: true, force: true })
