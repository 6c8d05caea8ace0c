import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import type { Role } from '../../src/db/schema.js'
import type { Settings } from '../../src/models/settings.js'
import { buildTestApp, NO_POSTING_LIMITS, Visitor, decodeEntities } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'

const DAY = 86400_000

/** Forum Algemeen, jan's topic, and `name` with the given role and age, logged in. */
async function setup (t: Test, options: { role?: Role, ageDays?: number, posts?: number, settings?: Partial<Settings> } = {}) {
  const app = await buildTestApp(t, {}, options.settings ?? NO_POSTING_LIMITS)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan', 'bijdrager')
  await makeMember(app, 'piet')
  await makeMember(app, 'mod', 'moderator')
  const me = await makeMember(app, 'groei', options.role ?? 'lid', { now: Date.now() - (options.ageDays ?? 0) * DAY })
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, replies: options.posts ?? 0, replier: me })
  if (options.posts === undefined) await app.db.updateTable('users').set({ last_post_at: null }).where('id', '=', me.id).execute()
  const visitor = new Visitor(app)
  await visitor.login('groei', PASSWORD)
  return { app, me, topic, ids, visitor, url: `/topic/${topic.slug}` }
}

async function loggedIn (app: FastifyInstance, name: string): Promise<Visitor> {
  const visitor = new Visitor(app)
  await visitor.login(name, PASSWORD)
  return visitor
}

const roleOf = async (app: FastifyInstance) => (await app.db.selectFrom('users').select(['role', 'post_count']).where('username', '=', 'groei').executeTakeFirstOrThrow())
const postCount = async (app: FastifyInstance) => Number((await app.db.selectFrom('posts').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
const setLastPost = async (app: FastifyInstance, at: number | null) => app.db.updateTable('users').set({ last_post_at: at }).where('username', '=', 'groei').execute()

t.test('promotion to bijdrager', async t => {
  await t.test('with 10 visible posts, 15 days a member and a clean record', async t => {
    const { app, visitor, url } = await setup(t, { ageDays: 15, posts: 9 })
    t.same(await roleOf(app), { role: 'lid', post_count: 9 }, '9 posts: still lid')
    t.equal((await visitor.submit(url, `${url}/reply`, { body: 'Mijn tiende bericht' })).statusCode, 303)
    t.same(await roleOf(app), { role: 'bijdrager', post_count: 10 }, 'promoted when the 10th is written')
    t.match((await new Visitor(app).get('/user/groei')).body, /class="profile-role">Bijdrager</)
  })

  await t.test('not at 13 days', async t => {
    const { app, visitor, url } = await setup(t, { ageDays: 13, posts: 9 })
    for (const body of ['Tiende', 'Elfde']) t.equal((await visitor.submit(url, `${url}/reply`, { body })).statusCode, 303)
    t.same(await roleOf(app), { role: 'lid', post_count: 11 })
  })

  await t.test('only visible posts count', async t => {
    const { app, visitor, url, ids } = await setup(t, { ageDays: 15, posts: 9 })
    const mod = await loggedIn(app, 'mod')
    t.equal((await mod.submit(url, `/post/${ids[1]}/moderate`, { action: 'hide' })).statusCode, 303)
    t.equal((await visitor.submit(url, `${url}/reply`, { body: 'Negende zichtbare' })).statusCode, 303)
    t.same(await roleOf(app), { role: 'lid', post_count: 9 }, '10 written, 9 visible: still lid')
    t.equal((await visitor.submit(url, `${url}/reply`, { body: 'Tiende zichtbare' })).statusCode, 303)
    t.same(await roleOf(app), { role: 'bijdrager', post_count: 10 })
  })

  await t.test('not with an upheld report in the last 30 days', async t => {
    const { app, visitor, url, ids } = await setup(t, { ageDays: 40, posts: 9 })
    const piet = await loggedIn(app, 'piet')
    t.equal((await piet.submit(url, `/post/${ids[2]}/report`, { reason: 'Grof' })).statusCode, 303)
    const mod = await loggedIn(app, 'mod')
    t.equal((await mod.submit('/moderation/reports', `/moderation/reports/${ids[2]}/resolve`, { resolution: 'upheld' })).statusCode, 303)
    t.equal((await visitor.submit(url, `${url}/reply`, { body: 'Tiende' })).statusCode, 303)
    t.same(await roleOf(app), { role: 'lid', post_count: 10 }, 'stays lid')
    await app.db.updateTable('reports').set({ resolved_at: Date.now() - 31 * DAY }).execute()
    t.equal((await visitor.submit(url, `${url}/reply`, { body: 'Elfde' })).statusCode, 303)
    t.equal((await roleOf(app)).role, 'bijdrager', 'an older upheld report no longer counts')
  })

  await t.test('a dismissed report does not stand in the way', async t => {
    const { app, visitor, url, ids } = await setup(t, { ageDays: 15, posts: 9 })
    t.equal((await (await loggedIn(app, 'piet')).submit(url, `/post/${ids[2]}/report`, { reason: 'Flauw' })).statusCode, 303)
    t.equal((await (await loggedIn(app, 'mod')).submit('/moderation/reports', `/moderation/reports/${ids[2]}/resolve`, { resolution: 'dismissed' })).statusCode, 303)
    t.equal((await visitor.submit(url, `${url}/reply`, { body: 'Tiende' })).statusCode, 303)
    t.equal((await roleOf(app)).role, 'bijdrager')
  })

  await t.test('never demoted automatically', async t => {
    const { app, visitor, url, ids } = await setup(t, { role: 'bijdrager', ageDays: 1, posts: 2 })
    const mod = await loggedIn(app, 'mod')
    t.equal((await mod.submit(url, `/post/${ids[1]}/moderate`, { action: 'hide' })).statusCode, 303)
    t.equal((await visitor.submit(url, `${url}/reply`, { body: 'Nog steeds' })).statusCode, 303)
    t.same(await roleOf(app), { role: 'bijdrager', post_count: 2 }, 'few posts, young account: still bijdrager')
  })
})

const waitMessage = /Je plaatst te snel na je vorige bericht\. Probeer het over ([\d.]+) seconden opnieuw; je tekst staat er nog\./

t.test('posting limits (the real defaults)', async t => {
  await t.test('a lid waits 15 s between posts', async t => {
    const { app, visitor, url } = await setup(t, { settings: {} })
    t.equal((await visitor.submit(url, `${url}/reply`, { body: 'Eerste reactie' })).statusCode, 303)
    const before = await postCount(app)
    const res = await visitor.submit(url, `${url}/reply`, { body: 'Tweede reactie, te snel' })
    t.equal(res.statusCode, 429)
    const retry = Number(res.headers['retry-after'])
    t.ok(retry >= 14 && retry <= 15, `Retry-After ${retry}`)
    const body = decodeEntities(res.body)
    t.match(body, /<textarea[^>]*name="body"[^>]*>Tweede reactie, te snel<\/textarea>/, 'the typed text is still in the form')
    t.equal(waitMessage.exec(body)?.[1], String(retry), 'says when to try again')
    t.equal(await postCount(app), before, 'nothing stored')
    await setLastPost(app, Date.now() - 10_000)
    t.equal((await visitor.submit(url, `${url}/reply`, { body: 'Na 10 s' })).statusCode, 429, 'still too soon after 10 s')
    await setLastPost(app, Date.now() - 16_000)
    t.equal((await visitor.submit(url, `${url}/reply`, { body: 'Na 16 s' })).statusCode, 303, 'fine after 16 s')
  })

  await t.test('a bijdrager waits 5 s', async t => {
    const { app, visitor, url } = await setup(t, { role: 'bijdrager', settings: {} })
    t.equal((await visitor.submit(url, `${url}/reply`, { body: 'Eerste' })).statusCode, 303)
    const res = await visitor.submit(url, `${url}/reply`, { body: 'Tweede' })
    t.equal(res.statusCode, 429)
    t.ok(Number(res.headers['retry-after']) <= 5, 'Retry-After at most 5')
    await setLastPost(app, Date.now() - 6000)
    t.equal((await visitor.submit(url, `${url}/reply`, { body: 'Na 6 s' })).statusCode, 303)
  })

  await t.test('moderators have no limit', async t => {
    const { app, url } = await setup(t, { settings: {} })
    const mod = await loggedIn(app, 'mod')
    for (const body of ['Een', 'Twee', 'Drie']) t.equal((await mod.submit(url, `${url}/reply`, { body })).statusCode, 303, body)
    for (const n of [1, 2, 3, 4]) t.equal((await mod.submit('/forum/algemeen/new', '/forum/algemeen/new', { title: `Mededeling ${n}`, body: 'Tekst' })).statusCode, 303)
  })

  await t.test('a lid starts at most 3 topics on their first day', async t => {
    const { app, visitor } = await setup(t, { settings: {} })
    for (const n of [1, 2, 3]) {
      const res = await visitor.submit('/forum/algemeen/new', '/forum/algemeen/new', { title: `Vraag ${n}`, body: `Tekst ${n}` })
      t.equal(res.statusCode, 303, `topic ${n}`)
      await setLastPost(app, null)
    }
    const res = await visitor.submit('/forum/algemeen/new', '/forum/algemeen/new', { title: 'Vraag 4', body: 'Tekst 4' })
    t.equal(res.statusCode, 429, 'the 4th: 429')
    const retry = Number(res.headers['retry-after'])
    t.ok(retry > 23 * 3600 && retry <= 24 * 3600, 'try again when the first day is over')
    t.match(res.body, 'value="Vraag 4"', 'the title is kept')
    t.match(res.body, 'Tekst 4</textarea>', 'the body is kept')
    t.match(decodeEntities(res.body), /Probeer het (morgen|over \d+ uur) opnieuw; je tekst staat er nog\./, 'says when, in words')
    const mine = await app.db.selectFrom('topics').innerJoin('users', 'users.id', 'topics.author_id').select('topics.title').where('users.username', '=', 'groei').execute()
    t.equal(mine.length, 3, 'nothing stored')
  })

  await t.test('a first-day limit of 0 is no limit, as /admin says', async t => {
    const { app, visitor } = await setup(t, { settings: { limit_lid_first_day_topics: 0 } })
    for (const n of [1, 2, 3, 4, 5]) {
      t.equal((await visitor.submit('/forum/algemeen/new', '/forum/algemeen/new', { title: `Vraag ${n}`, body: 'Tekst' })).statusCode, 303, `topic ${n}`)
      await setLastPost(app, null)
    }
  })

  await t.test('after the first day, and for a bijdrager, no topic limit', async t => {
    for (const options of [{ ageDays: 2 }, { role: 'bijdrager' as Role }]) {
      await t.test(JSON.stringify(options), async t => {
        const { app, visitor } = await setup(t, { ...options, settings: {} })
        for (const n of [1, 2, 3, 4]) {
          t.equal((await visitor.submit('/forum/algemeen/new', '/forum/algemeen/new', { title: `Vraag ${n}`, body: 'Tekst' })).statusCode, 303, `topic ${n}`)
          await setLastPost(app, null)
        }
      })
    }
  })
})
