import t from 'tap'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { buildTestApp, loggedIn, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'
import { GUEST_PAGE_TTL_MS } from '../../src/plugins/page-cache.js'
import { testOnPostgres } from '../postgres-databases.js'

/** Changes a title the way another program would: the app counts no write. */
async function retitleBehindTheApp (app: FastifyInstance, topicId: number, title: string): Promise<void> {
  if (app.sqlite !== null) {
    app.sqlite.prepare('update topics set title = ? where id = ?').run(title, topicId)
    return
  }
  const client = new pg.Client({ connectionString: app.config.databaseUrl! })
  await client.connect()
  await client.query('update topics set title = $1 where id = $2', [title, topicId])
  await client.end()
}

/** Waits until the writes of setting up are all counted: the fan-out's among them. */
async function settled (app: FastifyInstance): Promise<void> {
  await app.notifier.flush()
  for (let before = -1, i = 0; before !== app.writes.count && i < 20; i++) {
    before = app.writes.count
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

// Guests' pages are kept for the next guest; never for a member, never past a write that may change them.

t.test('a guest\'s page is served to the next guest until a write changes it, and never to a member', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  await makeMember(app, 'mod', 'moderator')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, replies: 1 })
  await settled(app)
  const url = `/topic/${topic.slug}`
  const first = await new Visitor(app).get(url)
  t.equal(first.statusCode, 200)
  // Behind Kring's back (another connection: the app counts no write): a guest still gets the kept page.
  await retitleBehindTheApp(app, topic.id, 'Stiekem veranderd')
  const kept = await new Visitor(app).get(url)
  t.equal(kept.body, first.body, 'the next guest gets the kept page')
  t.equal(kept.headers['content-security-policy'], first.headers['content-security-policy'], 'with the same headers')
  t.equal(kept.headers['content-type'], 'text/html; charset=utf-8')
  await retitleBehindTheApp(app, topic.id, 'Een vraag over verlof')

  const jv = await loggedIn(app, 'jan')
  const member = await jv.get(url)
  t.not(member.body, first.body, 'a member gets their own page')
  t.match(member.body, 'action="/logout"')
  t.equal((await jv.submit(url, `/topic/${topic.slug}/reply`, { body: 'Een nieuwe reactie van jan' })).statusCode, 303)
  t.match((await new Visitor(app).get(url)).body, 'Een nieuwe reactie van jan', 'a reply shows to the next guest at once')

  const mod = await loggedIn(app, 'mod')
  t.equal((await mod.submit(url, `/post/${ids[1]}/moderate`, { action: 'hide', reason: 'weg' })).statusCode, 303)
  t.notMatch((await new Visitor(app).get(url)).body, 'Reactie 1', 'a hidden post is gone for the next guest at once')

  // Reading is no write that guests see: a member's reading mark keeps the guests' page.
  await settled(app)
  const before = await new Visitor(app).get(url)
  await retitleBehindTheApp(app, topic.id, 'Stiekem veranderd')
  await jv.get(url)
  t.equal((await new Visitor(app).get(url)).body, before.body, 'a member reading the topic leaves the kept page')

  // A kept page lasts a short while, so relative dates stay close to right.
  const realNow = Date.now
  Date.now = () => realNow() + GUEST_PAGE_TTL_MS + 1
  t.teardown(() => { Date.now = realNow })
  t.match((await new Visitor(app).get(url)).body, 'Stiekem veranderd', 'and not longer than GUEST_PAGE_TTL_MS')
  Date.now = realNow
})

t.test('pages that set a cookie, visitors with one, and private forums are never kept', async t => {
  const app = await buildTestApp(t)
  const closed = await makeForum(app, 'Besloten')
  await app.db.updateTable('forums').set({ private: 1 }).where('id', '=', closed.id).execute()
  const jan = await makeMember(app, 'jan', 'beheerder')
  const { topic } = await makeTopic(app, { forumId: closed.id, author: jan, title: 'Geheim overleg' })
  const login1 = await new Visitor(app).get('/login')
  const login2 = await new Visitor(app).get('/login')
  t.ok(login2.headers['set-cookie'], 'a form page gives every guest a token cookie of their own')
  t.not(login1.body, login2.body, 'and a token of their own')
  const jv = await loggedIn(app, 'jan')
  t.equal((await jv.get(`/topic/${topic.slug}`)).statusCode, 200, 'the beheerder reads it')
  t.equal((await new Visitor(app).get(`/topic/${topic.slug}`)).statusCode, 404, 'a guest after them does not')
  const withCookie = await app.inject({ method: 'GET', url: '/', headers: { cookie: 'iets=anders' } })
  t.equal(withCookie.statusCode, 200)
})

t.test('over a real connection, a kept page is answered before any routing, and only to guests', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const { topic } = await makeTopic(app, { forumId: forum.id, author: jan })
  await settled(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const origin = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  // Count what the HTTP server answers by itself.
  const answer = app.answerFromGuestPages
  let early = 0
  app.answerFromGuestPages = (request, response) => { const done = answer(request, response); if (done) early++; return done }

  const url = `${origin}/topic/${topic.slug}`
  const first = await fetch(url)
  const firstBody = await first.text()
  t.equal(early, 0, 'the first guest is answered by the app')
  await retitleBehindTheApp(app, topic.id, 'Stiekem veranderd')
  const second = await fetch(url)
  t.equal(await second.text(), firstBody, 'the next guest gets the same bytes')
  t.equal(early, 1, 'from the HTTP server, before any routing')
  for (const header of ['content-type', 'content-security-policy', 'x-content-type-options', 'content-length']) t.equal(second.headers.get(header), first.headers.get(header), header)
  t.equal((await fetch(url, { headers: { cookie: 'kring_session=x' } })).status, 200)
  t.equal(early, 1, 'a request with a cookie goes to the app')
  t.equal((await fetch(url, { method: 'HEAD' })).status, 200)
  t.equal(early, 1, 'and so does anything but GET')
  await retitleBehindTheApp(app, topic.id, 'Een vraag over verlof')
})

t.test('on PostgreSQL, another process\'s write ends the kept pages; this process\'s own notices, which come back too, do not', { skip: testOnPostgres ? false : 'runs with KRING_TEST_DB=postgres' }, async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const { topic } = await makeTopic(app, { forumId: forum.id, author: jan })
  await settled(app)
  const page = (): Promise<string> => app.inject({ url: `/topic/${topic.slug}` }).then(response => response.body)

  await app.db.updateTable('forums').set({ description: 'Nieuw' }).where('id', '=', forum.id).execute()
  const counted = app.writes.count
  t.match(await page(), 'Een vraag over verlof', 'a guest\'s page is made and kept')
  await new Promise(resolve => setTimeout(resolve, 300))
  t.equal(app.writes.count, counted, 'the notice of its own write, heard back, is not counted again')
  await retitleBehindTheApp(app, topic.id, 'Stiekem veranderd')
  t.match(await page(), 'Een vraag over verlof', 'so the kept page still serves')

  // What another Kring process's write tells (postgres.ts), signed as that process.
  const other = new pg.Client({ connectionString: app.config.databaseUrl! })
  await other.connect()
  await other.query("select pg_notify('kring_writes', 'een-ander-proces')")
  await other.end()
  for (let i = 0; i < 100 && app.writes.count === counted; i++) await new Promise(resolve => setTimeout(resolve, 20))
  t.match(await page(), 'Stiekem veranderd', 'another process\'s notice ends the kept page')
  await retitleBehindTheApp(app, topic.id, 'Een vraag over verlof')
})

t.test('on PostgreSQL, other processes hear of a transaction\'s writes once it commits, and not at all when it rolls back', { skip: testOnPostgres ? false : 'runs with KRING_TEST_DB=postgres' }, async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  await settled(app)
  const other = new pg.Client({ connectionString: app.config.databaseUrl! })
  await other.connect()
  t.teardown(() => other.end())
  const heard: string[] = []
  other.on('notification', notice => heard.push(notice.channel))
  await other.query('listen kring_writes; listen kring_settings')
  const quiet = (): Promise<void> => new Promise(resolve => setTimeout(resolve, 300))

  await t.rejects(app.db.transaction().execute(async trx => {
    await trx.updateTable('forums').set({ description: 'Nooit' }).where('id', '=', forum.id).execute()
    throw new Error('bedacht')
  }))
  await quiet()
  t.same(heard, [], 'a rolled back write is told to no one')
  await app.db.transaction().execute(async trx => {
    await trx.updateTable('forums').set({ description: 'Wel' }).where('id', '=', forum.id).execute()
    await trx.updateTable('forums').set({ name: 'Algemeen overleg' }).where('id', '=', forum.id).execute()
    await trx.updateTable('settings').set({ value: '3' }).where('key', '=', 'posts_per_page').execute()
  })
  await quiet()
  t.same(heard.sort(), ['kring_settings', 'kring_writes'], 'a committed one once per kind, however many writes it made')
  await app.db.updateTable('forums').set({ description: 'Los' }).where('id', '=', forum.id).execute()
  await quiet()
  t.equal(heard.filter(channel => channel === 'kring_writes').length, 2, 'a write outside a transaction is told too')
})

t.test('on PostgreSQL, a setting changed here and then back by another process ends up as the other process left it', { skip: testOnPostgres ? false : 'runs with KRING_TEST_DB=postgres' }, async t => {
  const app = await buildTestApp(t)
  await makeMember(app, 'beheer', 'beheerder')
  const admin = await loggedIn(app, 'beheer')
  const before = app.settings.posts_per_page
  t.equal((await admin.submit('/admin', '/admin/settings', { posts_per_page: String(before + 5) })).statusCode, 303)
  t.equal(app.settings.posts_per_page, before + 5, 'in force here at once')
  await new Promise(resolve => setTimeout(resolve, 300)) // this process hears its own notice of it

  const other = new pg.Client({ connectionString: app.config.databaseUrl! })
  await other.connect()
  t.teardown(() => other.end())
  await other.query('begin')
  await other.query("insert into settings (key, value) values ('posts_per_page', $1) on conflict (key) do update set value = excluded.value", [String(before)])
  await other.query("select pg_notify('kring_settings', 'een-ander-proces')")
  await other.query('commit')
  for (let i = 0; i < 50 && app.settings.posts_per_page !== before; i++) await new Promise(resolve => setTimeout(resolve, 20))
  t.equal(app.settings.posts_per_page, before, 'the other process\'s value, back to the old one, is taken over')
})
