import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import type { Settings } from '../../src/models/settings.js'
import { buildTestApp, NO_POSTING_LIMITS, Visitor, textOfClass, postIds } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'

async function setup (t: Test, settings: Partial<Settings> = {}) {
  const app = await buildTestApp(t, {}, { ...NO_POSTING_LIMITS, ...settings })
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan', 'bijdrager')
  const nieuw = await makeMember(app, 'nieuw')
  await makeMember(app, 'piet')
  await makeMember(app, 'bea', 'bijdrager')
  await makeMember(app, 'mod', 'moderator')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, replies: 2 })
  return { app, forum, jan, nieuw, topic, ids, url: `/topic/${topic.slug}` }
}

async function loggedIn (app: FastifyInstance, name: string): Promise<Visitor> {
  const visitor = new Visitor(app)
  await visitor.login(name, PASSWORD)
  return visitor
}

const lastPost = async (app: FastifyInstance) => app.db.selectFrom('posts').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow()
const count = async (app: FastifyInstance, table: 'reports' | 'moderation_log') =>
  Number((await app.db.selectFrom(table).select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)

t.test("a new lid's reply waits for approval", async t => {
  const { app, forum, nieuw, topic, url } = await setup(t, { queue_until_approved_posts: 1 })
  const author = await loggedIn(app, 'nieuw')
  const res = await author.submit(url, `${url}/reply`, { body: 'Mijn eerste bijdrage' })
  t.equal(res.statusCode, 303)
  const post = await lastPost(app)
  t.match(post, { author_id: nieuw.id, queued: 1, visible_position: null, position: 4 }, 'stored, queued')
  t.equal(res.headers.location, `${url}#post-${post.id}`)

  const own = await author.get(url)
  t.ok(postIds(own.body).includes(post.id), 'the author sees it')
  t.match(own.body, 'Dit bericht wacht op goedkeuring')
  t.match(own.body, `class="post post-queued"`)
  for (const [who, visitor] of [['piet', await loggedIn(app, 'piet')], ['guest', new Visitor(app)]] as const) {
    const page = await visitor.get(url)
    t.notOk(postIds(page.body).includes(post.id), `${who} does not see it`)
    t.notMatch(page.body, 'Mijn eerste bijdrage')
    t.equal(textOfClass(page.body, 'pagination-count'), '3 berichten aan het bekijken - 1 tot 3 (van in totaal 3)', `${who}: not counted`)
    t.equal((await visitor.get(`/post/${post.id}`)).statusCode, 404, `${who}: /post/ID 404s`)
  }
  t.same(await app.db.selectFrom('topics').select(['reply_count', 'visible_post_count']).where('id', '=', topic.id).executeTakeFirstOrThrow(), { reply_count: 2, visible_post_count: 3 })

  const mod = await loggedIn(app, 'mod')
  const queue = await mod.get('/moderation/queue')
  t.equal(queue.statusCode, 200)
  t.match(queue.body, 'Mijn eerste bijdrage')
  t.match(queue.body, `href="/post/${post.id}"`)
  t.equal((await (await loggedIn(app, 'piet')).get('/moderation/queue')).statusCode, 403, 'the queue is for moderators')
  const modPage = await mod.get(url)
  t.ok(postIds(modPage.body).includes(post.id), 'a moderator sees it on the topic page')
  t.match(modPage.body, 'value="approve"')

  const approved = await mod.submit('/moderation/queue', `/post/${post.id}/moderate`, { action: 'approve' })
  t.equal(approved.statusCode, 303)
  t.match(await lastPost(app), { queued: 0, visible_position: 4 })
  const guestPage = await new Visitor(app).get(url)
  t.ok(postIds(guestPage.body).includes(post.id), 'visible to all after approval')
  t.equal(textOfClass(guestPage.body, 'pagination-count'), '4 berichten aan het bekijken - 1 tot 4 (van in totaal 4)')
  t.notMatch(guestPage.body, 'wacht op goedkeuring')
  t.same(await app.db.selectFrom('topics').select(['reply_count', 'last_post_id']).where('id', '=', topic.id).executeTakeFirstOrThrow(), { reply_count: 3, last_post_id: post.id })
  t.match(await app.db.selectFrom('forums').selectAll().where('id', '=', forum.id).executeTakeFirstOrThrow(), { post_count: 4, last_post_id: post.id })
  t.equal((await app.db.selectFrom('users').select('post_count').where('id', '=', nieuw.id).executeTakeFirstOrThrow()).post_count, 1)
  t.match(await app.db.selectFrom('moderation_log').selectAll().executeTakeFirstOrThrow(), { action: 'post.approve', post_id: post.id })
  t.notMatch((await mod.get('/moderation/queue')).body, 'Mijn eerste bijdrage', 'the queue is empty again')

  t.equal((await author.submit(url, `${url}/reply`, { body: 'Nu meteen zichtbaar' })).statusCode, 303)
  t.match(await lastPost(app), { queued: 0 }, 'with one approved post the next one is not queued')
})

t.test('posts with more links than the setting wait, unless by a bijdrager', async t => {
  const { app, url } = await setup(t, { queue_links_over: 2 })
  const links = 'Zie https://a.example, https://b.example en [dit](https://c.example).'
  const lid = await loggedIn(app, 'nieuw')
  t.equal((await lid.submit(url, `${url}/reply`, { body: links })).statusCode, 303)
  t.equal((await lastPost(app)).queued, 1, "a lid's post with 3 links is queued")
  t.equal((await lid.submit(url, `${url}/reply`, { body: 'Alleen https://a.example en https://b.example' })).statusCode, 303)
  t.equal((await lastPost(app)).queued, 0, 'two links are fine')
  const bea = await loggedIn(app, 'bea')
  t.equal((await bea.submit(url, `${url}/reply`, { body: links })).statusCode, 303)
  t.equal((await lastPost(app)).queued, 0, "a bijdrager's post is not queued")
})

t.test('a new topic by a queued lid stays out of sight until approved', async t => {
  const { app, forum } = await setup(t, { queue_until_approved_posts: 1 })
  const author = await loggedIn(app, 'nieuw')
  const res = await author.submit('/forum/algemeen/new', '/forum/algemeen/new', { title: 'Vraag van een nieuweling', body: 'Hoe werkt dit?' })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/topic/vraag-van-een-nieuweling')
  const url = '/topic/vraag-van-een-nieuweling'
  const own = await author.get(url)
  t.equal(own.statusCode, 200, 'the author sees their topic')
  t.match(own.body, 'Dit bericht wacht op goedkeuring')
  const guest = new Visitor(app)
  const piet = await loggedIn(app, 'piet')
  for (const [who, visitor] of [['guest', guest], ['piet', piet]] as const) {
    t.equal((await visitor.get(url)).statusCode, 404, `${who}: 404`)
    t.notMatch((await visitor.get('/forum/algemeen')).body, url, `${who}: not listed`)
  }
  t.match(await app.db.selectFrom('forums').selectAll().where('id', '=', forum.id).executeTakeFirstOrThrow(), { topic_count: 1, post_count: 3 })

  const mod = await loggedIn(app, 'mod')
  t.match((await mod.get('/moderation/queue')).body, 'Vraag van een nieuweling')
  const post = await lastPost(app)
  t.equal((await mod.submit(url, `/post/${post.id}/moderate`, { action: 'approve' })).statusCode, 303)
  t.equal((await guest.get(url)).statusCode, 200, 'visible after approval')
  t.match((await guest.get('/forum/algemeen')).body, `href="${url}"`, 'and listed')
  t.match(await app.db.selectFrom('forums').selectAll().where('id', '=', forum.id).executeTakeFirstOrThrow(), { topic_count: 2, post_count: 4, last_post_id: post.id })
})

t.test('reports', async t => {
  const { app, ids, url } = await setup(t)
  const piet = await loggedIn(app, 'piet')
  const r1 = await piet.submit(url, `/post/${ids[1]}/report`, { reason: 'Onvriendelijk' })
  t.equal(r1.statusCode, 303, 'a member reports a post')
  t.equal(r1.headers.location, `${url}#post-${ids[1]}`)
  t.equal((await piet.submit(url, `/post/${ids[1]}/report`, { reason: 'Nog eens' })).statusCode, 303, 'a second report is accepted quietly')
  t.equal(await count(app, 'reports'), 1, '…and stores nothing new')
  t.equal((await piet.submit(url, `/post/${ids[1]}/report`, { reason: '' })).statusCode, 400, 'a reason is required')

  const jan = await loggedIn(app, 'jan')
  const ownReport = await jan.submit(url, `/post/${ids[1]}/report`, { reason: 'Eigen bericht' })
  t.equal(ownReport.statusCode, 403, 'the author cannot report their own post')
  t.match(ownReport.body, 'Je kunt je eigen bericht niet melden.')
  const guest = await new Visitor(app).submit('/login', `/post/${ids[1]}/report`, { reason: 'Als gast' })
  t.equal(guest.statusCode, 303)
  t.match(guest.headers.location, /^\/login/, 'a guest goes to login')
  await app.db.updateTable('users').set({ suspended_until: Date.now() + 86400_000 }).where('username', '=', 'bea').execute()
  const suspended = await (await loggedIn(app, 'bea')).submit(url, `/post/${ids[1]}/report`, { reason: 'Geschorst' })
  t.equal(suspended.statusCode, 403, 'a suspended member cannot report')
  t.equal(await count(app, 'reports'), 1)

  const nieuw = await loggedIn(app, 'nieuw')
  t.equal((await nieuw.submit(url, `/post/${ids[1]}/report`, { reason: 'Grof' })).statusCode, 303)
  t.equal((await nieuw.submit(url, `/post/${ids[2]}/report`, { reason: 'Off-topic' })).statusCode, 303)

  const mod = await loggedIn(app, 'mod')
  const page = await mod.get('/moderation/reports')
  t.equal(page.statusCode, 200)
  const groups = page.body.match(/<li class="report-group">/g) ?? []
  t.equal(groups.length, 2, 'one entry per post')
  t.equal(page.body.split(`href="/post/${ids[1]}"`).length - 1, 1, 'the post shows once')
  t.match(page.body, /2 meldingen<\/strong>[^<]*<a href="\/post\/\d+">[^<]*#\d+/)
  t.match(textOfClass(page.body, 'report-group'), `2 meldingen — bericht van jan: Een vraag over verlof #${ids[1]}`)
  t.match(page.body, '1 melding</strong>')
  t.match(page.body, 'Onvriendelijk')
  t.equal((await piet.get('/moderation/reports')).statusCode, 403, 'members get 403')
  t.equal((await piet.submit(url, `/moderation/reports/${ids[1]}/resolve`, { resolution: 'upheld', hide: '1' })).statusCode, 403, 'members cannot resolve')
  t.equal((await app.db.selectFrom('posts').select('hidden').where('id', '=', ids[1]).executeTakeFirstOrThrow()).hidden, 0)

  const upheld = await mod.submit('/moderation/reports', `/moderation/reports/${ids[1]}/resolve`, { resolution: 'upheld', hide: '1', reason: 'Verborgen na een melding' })
  t.equal(upheld.statusCode, 303)
  t.equal(upheld.headers.location, '/moderation/reports')
  t.match(await app.db.selectFrom('posts').selectAll().where('id', '=', ids[1]).executeTakeFirstOrThrow(), { hidden: 1, hidden_reason: 'Verborgen na een melding' })
  const closed = await app.db.selectFrom('reports').selectAll().where('post_id', '=', ids[1]).execute()
  t.equal(closed.length, 2)
  t.ok(closed.every(r => r.resolved_at !== null && r.resolution === 'upheld'), 'all its reports are closed as upheld')
  const log = await app.db.selectFrom('moderation_log').select(['action', 'post_id', 'to_value']).orderBy('id').execute()
  t.match(log, [{ action: 'post.hide', post_id: ids[1] }, { action: 'report.upheld', post_id: ids[1], to_value: '2' }])
  t.notOk(postIds((await new Visitor(app).get(url)).body).includes(ids[1]), 'the post is hidden')

  t.equal((await mod.submit('/moderation/reports', `/moderation/reports/${ids[2]}/resolve`, { resolution: 'dismissed' })).statusCode, 303)
  t.match(await app.db.selectFrom('reports').selectAll().where('post_id', '=', ids[2]).execute(), [{ resolution: 'dismissed' }])
  t.equal((await app.db.selectFrom('posts').select('hidden').where('id', '=', ids[2]).executeTakeFirstOrThrow()).hidden, 0, 'dismissed: not hidden')
  t.match((await app.db.selectFrom('moderation_log').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow()), { action: 'report.dismissed', post_id: ids[2] })
  t.match((await mod.get('/moderation/reports')).body, 'Er zijn geen open meldingen.')
})

t.test("the author's own reply does not reveal a topic whose opening post waits", async t => {
  const { app, forum } = await setup(t, { queue_links_over: 2 })
  const author = await loggedIn(app, 'nieuw')
  const body = 'Kijk op https://a.example, https://b.example en https://c.example'
  t.equal((await author.submit('/forum/algemeen/new', '/forum/algemeen/new', { title: 'Drie links', body })).statusCode, 303)
  t.equal((await lastPost(app)).queued, 1, 'the opening post waits')
  const url = '/topic/drie-links'
  t.equal((await author.submit(url, `${url}/reply`, { body: 'Nog een aanvulling zonder links' })).statusCode, 303)
  t.equal((await lastPost(app)).queued, 0, 'the reply itself is not queued')
  const guest = new Visitor(app)
  t.equal((await guest.get(url)).statusCode, 404, 'a guest still gets 404 before approval')
  t.notOk((await guest.get('/forum/algemeen')).body.includes(`href="${url}"`), 'and it is not listed')
  const row = await app.db.selectFrom('forums').select(['topic_count']).where('id', '=', forum.id).executeTakeFirstOrThrow()
  const listed = (await guest.get('/forum/algemeen')).body.match(/<tr class="topic-row/g)?.length ?? 0
  t.equal(listed, row.topic_count, 'the listing and the forum count agree')
})
