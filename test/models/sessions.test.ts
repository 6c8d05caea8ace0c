import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, Visitor } from '../helper.js'
import { makeMember, PASSWORD } from '../factories.js'
import { createSession, findSessionUser, hashSessionId, purgeExpiredSessions } from '../../src/models/sessions.js'

const HOUR = 3600_000
const DAYS_30 = 30 * 24 * HOUR

/** Who the header says is signed in when a browser sends this session cookie. */
async function signedInAs (app: FastifyInstance, cookie: string): Promise<string | undefined> {
  const visitor = new Visitor(app)
  visitor.cookies.set('kring_session', cookie)
  const nav = /<nav[^>]*class="account-nav">([\s\S]*?)<\/nav>/.exec((await visitor.get('/')).body)?.[1] ?? ''
  return /<a href="\/user\/([^"]+)">/.exec(nav)?.[1]
}

const sessionRows = async (app: FastifyInstance) => app.db.selectFrom('sessions').selectAll().orderBy('created_at').execute()

t.test('login gives a new session id; a made-up id planted before login is worthless', async t => {
  const app = await buildTestApp(t)
  await makeMember(app, 'jan')
  const visitor = new Visitor(app)
  visitor.cookies.set('kring_session', 'planted-by-someone-else')
  await visitor.login('jan', PASSWORD)
  const cookie = visitor.cookies.get('kring_session')
  t.ok(cookie)
  t.not(cookie, 'planted-by-someone-else')
  t.equal(await signedInAs(app, cookie!), 'jan')
  t.equal(await signedInAs(app, 'planted-by-someone-else'), undefined)
})

t.test("login gives a new session id even over a live session: a planted real id does not become the member's", async t => {
  const app = await buildTestApp(t)
  await makeMember(app, 'jan')
  await makeMember(app, 'mallory')
  const attacker = new Visitor(app)
  await attacker.login('mallory', PASSWORD)
  const planted = attacker.cookies.get('kring_session')!

  const victim = new Visitor(app)
  victim.cookies.set('kring_session', planted)
  await victim.login('jan', PASSWORD)
  const cookie = victim.cookies.get('kring_session')!
  t.not(cookie, planted)
  t.equal(await signedInAs(app, cookie), 'jan')
  t.not(await signedInAs(app, planted), 'jan', "the planted id does not carry jan's login")
  t.equal((await sessionRows(app)).length, 1, 'the replaced session is deleted')
})

t.test('the sessions table holds a hash of the id, never the id itself', async t => {
  const app = await buildTestApp(t)
  const jan = await makeMember(app, 'jan')
  const visitor = new Visitor(app)
  const res = await visitor.login('jan', PASSWORD)
  const cookie = visitor.cookies.get('kring_session')!
  t.ok(cookie.length >= 40, 'a long random id')
  const rows = await sessionRows(app)
  t.equal(rows.length, 1)
  t.equal(rows[0].id_hash, hashSessionId(cookie), 'the row is found by the hash of the cookie')
  t.not(rows[0].id_hash, cookie)
  t.notOk(JSON.stringify(rows).includes(cookie), 'the cookie value is in no column')
  t.equal(rows[0].user_id, jan.id)
  t.equal(rows[0].expires_at - rows[0].created_at, DAYS_30, 'lives session_days (30) days')
  t.match(String(res.headers['set-cookie']), /Max-Age=2592000/, 'and so does the cookie')
})

t.test('an expired session does not sign in; purgeExpiredSessions removes it and keeps live ones', async t => {
  const app = await buildTestApp(t)
  const jan = await makeMember(app, 'jan')
  const expired = await createSession(app.db, jan.id, HOUR, Date.now() - 2 * HOUR)
  const live = await createSession(app.db, jan.id, HOUR)

  t.equal(await signedInAs(app, expired), undefined, 'the expired cookie shows a guest')
  t.equal(await findSessionUser(app.db, expired), undefined)
  t.equal(await signedInAs(app, live), 'jan', 'the live cookie still signs in')
  t.equal(await signedInAs(app, 'not-a-session-at-all'), undefined, 'an unknown cookie is a guest, not an error')

  t.equal(await purgeExpiredSessions(app.db), 1, 'one session purged')
  t.same((await sessionRows(app)).map(r => r.id_hash), [hashSessionId(live)], 'only the live one is left')
  t.equal(await purgeExpiredSessions(app.db), 0, 'nothing left to purge')
})

t.test('a session ends exactly at expires_at', async t => {
  const app = await buildTestApp(t)
  const jan = await makeMember(app, 'jan')
  const start = Date.UTC(2026, 0, 1)
  const id = await createSession(app.db, jan.id, HOUR, start)
  const end = start + HOUR
  t.equal((await findSessionUser(app.db, id, end - 1))?.id, jan.id, 'one millisecond before')
  t.equal(await findSessionUser(app.db, id, end), undefined, 'at expires_at')
  t.equal(await purgeExpiredSessions(app.db, end - 1), 0, 'not purged before')
  t.equal(await purgeExpiredSessions(app.db, end), 1, 'purged at expires_at')
})

t.test('logging in clears out expired sessions', async t => {
  const app = await buildTestApp(t)
  const piet = await makeMember(app, 'piet')
  await makeMember(app, 'jan')
  const old = await createSession(app.db, piet.id, HOUR, Date.now() - 2 * HOUR)
  await new Visitor(app).login('jan', PASSWORD)
  const hashes = (await sessionRows(app)).map(r => r.id_hash)
  t.equal(hashes.length, 1)
  t.notOk(hashes.includes(hashSessionId(old)), "piet's expired session is gone")
})
