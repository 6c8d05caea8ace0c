import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, Visitor, textOfClass, postIds } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'
import { recountForum } from '../../src/models/recount.js'

const ACTS: Array<{ action: string, before: Record<string, number>, extra?: Record<string, string> }> = [
  { action: 'lock', before: {} }, { action: 'unlock', before: { locked: 1 } },
  { action: 'pin', before: {} }, { action: 'unpin', before: { pinned: 1 } },
  { action: 'announce', before: {} }, { action: 'unannounce', before: { announced: 1 } },
  { action: 'hide', before: {} }, { action: 'unhide', before: { hidden: 1 } },
  { action: 'move', before: {}, extra: { forum: 'regio-noord' } }
]

/** Forums Algemeen and Regio Noord, one member of every role, jan's topic with 2 replies in Algemeen. */
async function setup (t: Test) {
  const app = await buildTestApp(t)
  const algemeen = await makeForum(app)
  const noord = await makeForum(app, 'Regio Noord')
  const jan = await makeMember(app, 'jan')
  await makeMember(app, 'bea', 'bijdrager')
  const mod = await makeMember(app, 'mod', 'moderator')
  const baas = await makeMember(app, 'baas', 'beheerder')
  const { topic, ids } = await makeTopic(app, { forumId: algemeen.id, author: jan, replies: 2 })
  return { app, algemeen, noord, jan, mod, baas, topic, ids, url: `/topic/${topic.slug}` }
}

async function loggedIn (app: FastifyInstance, name: string): Promise<Visitor> {
  const visitor = new Visitor(app)
  await visitor.login(name, PASSWORD)
  return visitor
}

/** Everything a topic act could change. */
async function state (app: FastifyInstance) {
  return {
    topics: await app.db.selectFrom('topics').selectAll().orderBy('id').execute(),
    forums: await app.db.selectFrom('forums').selectAll().orderBy('id').execute(),
    users: await app.db.selectFrom('users').select(['id', 'post_count', 'role']).orderBy('id').execute(),
    log: await app.db.selectFrom('moderation_log').selectAll().execute()
  }
}

const forumRow = async (app: FastifyInstance, id: number) =>
  app.db.selectFrom('forums').select(['topic_count', 'post_count', 'last_post_id']).where('id', '=', id).executeTakeFirstOrThrow()

t.test('guests, leden and bijdragers cannot moderate a topic, even with a valid token', async t => {
  for (const { action, before, extra } of ACTS) {
    await t.test(action, async t => {
      const { app, topic, url } = await setup(t)
      if (Object.keys(before).length > 0) await app.db.updateTable('topics').set(before).where('id', '=', topic.id).execute()
      const snapshot = await state(app)

      const guest = new Visitor(app)
      const g = await guest.submit('/login', `${url}/moderate`, { action, reason: 'waarom niet', ...extra })
      if (before.hidden === 1) {
        // A topic they may not see is not there for them: no answer tells it exists.
        t.equal(g.statusCode, 404, 'guest: a hidden topic is not found')
        for (const name of ['jan', 'bea']) {
          const member = await loggedIn(app, name)
          t.equal((await member.submit('/', `${url}/moderate`, { action, ...extra })).statusCode, 404, `${name}: a hidden topic is not found`)
        }
        t.same(await state(app), snapshot, 'nothing changed, nothing logged')
        return
      }
      t.equal(g.statusCode, 303, 'guest: redirected')
      t.match(g.headers.location, /^\/login/, 'guest: to the login page')

      for (const name of ['jan', 'bea']) {
        const member = await loggedIn(app, name)
        const res = await member.submit(url, `${url}/moderate`, { action, ...extra })
        t.equal(res.statusCode, 403, `${name}: 403 with a valid token`)
        t.match(res.body, 'Dit mogen alleen moderatoren van dit forum.', `${name}: the page says why`)
        const bare = await member.postRaw(`${url}/moderate`, { action, ...extra })
        t.equal(bare.statusCode, 403, `${name}: 403 without a token`)
      }
      t.same(await state(app), snapshot, 'nothing changed, nothing logged')
    })
  }
})

for (const role of ['moderator', 'beheerder'] as const) {
  t.test(`a ${role} performs every topic act`, async t => {
    const { app, topic, url, noord, mod, baas } = await setup(t)
    const actor = role === 'moderator' ? mod : baas
    const visitor = await loggedIn(app, actor.username)
    const expected: Record<string, [string, number]> = {
      lock: ['locked', 1], unlock: ['locked', 0], pin: ['pinned', 1], unpin: ['pinned', 0],
      announce: ['announced', 1], unannounce: ['announced', 0], hide: ['hidden', 1], unhide: ['hidden', 0]
    }
    for (const { action, extra } of ACTS) {
      const res = await visitor.submit(url, `${url}/moderate`, { action, reason: `reden ${action}`, ...extra })
      t.equal(res.statusCode, 303, `${action}: 303`)
      t.equal(res.headers.location, url, `${action}: back to the topic, same URL`)
      const row = await app.db.selectFrom('topics').selectAll().where('id', '=', topic.id).executeTakeFirstOrThrow()
      if (action === 'move') t.equal(row.forum_id, noord.id, 'move: stored')
      else t.equal(row[expected[action][0] as 'locked'], expected[action][1], `${action}: stored`)
      const log = await app.db.selectFrom('moderation_log').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow()
      t.match(log, {
        moderator_id: actor.id, action: `topic.${action}`, topic_id: topic.id, reason: `reden ${action}`,
        from_value: action === 'move' ? 'algemeen' : null, to_value: action === 'move' ? 'regio-noord' : null
      }, `${action}: logged`)
    }
    const count = await app.db.selectFrom('moderation_log').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
    t.equal(Number(count.n), ACTS.length, 'one log row per act')
  })
}

t.test('a locked topic refuses replies from leden and bijdragers, not from moderators', async t => {
  const { app, url, topic } = await setup(t)
  const mod = await loggedIn(app, 'mod')
  t.equal((await mod.submit(url, `${url}/moderate`, { action: 'lock', reason: 'uitgepraat' })).statusCode, 303)
  const before = await state(app)
  const posts = await app.db.selectFrom('posts').selectAll().execute()
  for (const name of ['jan', 'bea']) {
    const member = await loggedIn(app, name)
    const page = await member.get(url)
    t.match(page.body, 'Dit onderwerp is gesloten voor nieuwe reacties.', `${name} reads the notice`)
    t.notMatch(page.body, `action="${url}/reply"`, `${name} gets no reply form`)
    const res = await member.submit('/', `${url}/reply`, { body: 'Toch nog iets' })
    t.equal(res.statusCode, 403, `${name}: 403`)
    t.match(res.body, 'Dit onderwerp is gesloten voor nieuwe reacties.')
  }
  t.same(await app.db.selectFrom('posts').selectAll().execute(), posts, 'no post stored')
  t.same(await state(app), before, 'no counts changed')

  const guestPage = await new Visitor(app).get(url)
  t.equal(textOfClass(guestPage.body, 'notice-locked'), 'Dit onderwerp is gesloten voor nieuwe reacties.')
  t.match(textOfClass(guestPage.body, 'moderation-notice'), /^Gesloten door mod /, 'and who closed it')

  const res = await mod.submit(url, `${url}/reply`, { body: 'Nog één ding van de moderator' })
  t.equal(res.statusCode, 303, 'a moderator may reply')
  const row = await app.db.selectFrom('topics').select(['post_count', 'reply_count']).where('id', '=', topic.id).executeTakeFirstOrThrow()
  t.same(row, { post_count: 4, reply_count: 3 })

  t.equal((await mod.submit(url, `${url}/moderate`, { action: 'unlock' })).statusCode, 303)
  const open = await new Visitor(app).get(url)
  t.notMatch(open.body, 'Gesloten door', 'the notice is gone after unlock')
  const jan = await loggedIn(app, 'jan')
  t.equal((await jan.submit(url, `${url}/reply`, { body: 'Weer open' })).statusCode, 303, 'jan may reply again')
})

t.test('a move keeps the URL, says so on the page and corrects both forums', async t => {
  const { app, algemeen, noord, jan, url, topic, ids } = await setup(t)
  const now = Date.now()
  const other = await makeTopic(app, { forumId: algemeen.id, author: jan, title: 'Ander onderwerp', replies: 1, now: now - 7200_000 })
  const there = await makeTopic(app, { forumId: noord.id, author: jan, title: 'Noordelijk', replies: 3, now: now - 10_800_000 })
  // The factory inserts back-dated topics after newer ones; a recount puts the forums' last posts in time order.
  await recountForum(app.db, algemeen.id)
  t.same(await forumRow(app, algemeen.id), { topic_count: 2, post_count: 5, last_post_id: ids[2] })
  t.same(await forumRow(app, noord.id), { topic_count: 1, post_count: 4, last_post_id: there.ids[3] })

  const mod = await loggedIn(app, 'mod')
  const res = await mod.submit(url, `${url}/moderate`, { action: 'move', forum: 'regio-noord' })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, url, 'the URL stays')

  const guest = await new Visitor(app).get(url)
  t.equal(guest.statusCode, 200)
  t.equal(textOfClass(guest.body, 'topic-forum'), 'Geplaatst in Regio Noord')
  t.match(textOfClass(guest.body, 'moderation-notice'), /^Verplaatst van Algemeen naar Regio Noord door mod /)
  t.equal((await new Visitor(app).get(`/post/${ids[2]}`)).headers.location, `${url}#post-${ids[2]}`, 'permalinks still work')

  const after = { algemeen: await forumRow(app, algemeen.id), noord: await forumRow(app, noord.id) }
  t.same(after.algemeen, { topic_count: 1, post_count: 2, last_post_id: other.ids[1] }, 'Algemeen lost the topic')
  t.same(after.noord, { topic_count: 2, post_count: 7, last_post_id: ids[2] }, 'Regio Noord gained it')
  await recountForum(app.db, algemeen.id)
  await recountForum(app.db, noord.id)
  t.same({ algemeen: await forumRow(app, algemeen.id), noord: await forumRow(app, noord.id) }, after, 'same as a fresh recount')

  const listing = await new Visitor(app).get('/forum/algemeen')
  t.notMatch(listing.body, `href="${url}"`, 'no longer listed in Algemeen')
  t.match((await new Visitor(app).get('/forum/regio-noord')).body, `href="${url}"`, 'listed in Regio Noord')

  const unknown = await mod.submit(url, `${url}/moderate`, { action: 'move', forum: 'bestaat-niet' })
  t.equal(unknown.statusCode, 400, 'an unknown forum is refused')
  t.equal((await app.db.selectFrom('topics').select('forum_id').where('id', '=', topic.id).executeTakeFirstOrThrow()).forum_id, noord.id)
})

const topicLinks = (html: string): string[] => [...html.matchAll(/<a href="\/topic\/([^"]+)">/g)].map(m => m[1])

t.test('pinned topics list first in their forum; announcements show in every forum', async t => {
  const { app, algemeen, noord, jan, topic } = await setup(t)
  const now = Date.now()
  const old = await makeTopic(app, { forumId: algemeen.id, author: jan, title: 'Oud onderwerp', now: now - 86400_000 })
  await makeTopic(app, { forumId: algemeen.id, author: jan, title: 'Nieuw onderwerp', now: now - 60_000 })
  const elsewhere = await makeTopic(app, { forumId: noord.id, author: jan, title: 'Groot nieuws', now: now - 2 * 86400_000 })
  const guest = new Visitor(app)
  t.same(topicLinks((await guest.get('/forum/algemeen')).body), ['nieuw-onderwerp', topic.slug, 'oud-onderwerp'], 'by last activity')

  const mod = await loggedIn(app, 'mod')
  t.equal((await mod.submit(`/topic/${old.topic.slug}`, `/topic/${old.topic.slug}/moderate`, { action: 'pin' })).statusCode, 303)
  const pinned = await guest.get('/forum/algemeen')
  t.same(topicLinks(pinned.body), ['oud-onderwerp', 'nieuw-onderwerp', topic.slug], 'the pinned topic first')
  t.match(pinned.body, /<tr class="topic-row pinned">[\s\S]*?Vastgezet[\s\S]*?oud-onderwerp/, 'marked as pinned')
  t.same(topicLinks((await guest.get('/forum/regio-noord')).body), ['groot-nieuws'], 'pinning is per forum')

  const slug = elsewhere.topic.slug
  t.equal((await mod.submit(`/topic/${slug}`, `/topic/${slug}/moderate`, { action: 'announce' })).statusCode, 303)
  const withNews = await guest.get('/forum/algemeen')
  t.same(topicLinks(withNews.body), ['groot-nieuws', 'oud-onderwerp', 'nieuw-onderwerp', topic.slug], 'the announcement from Regio Noord on top')
  t.match(textOfClass(withNews.body, 'announcements'), 'Aankondiging')
  t.same(topicLinks((await guest.get('/forum/regio-noord')).body), ['groot-nieuws'], 'and in its own forum, once')

  t.equal((await mod.submit(`/topic/${slug}`, `/topic/${slug}/moderate`, { action: 'unannounce' })).statusCode, 303)
  t.notOk(topicLinks((await guest.get('/forum/algemeen')).body).includes('groot-nieuws'), 'withdrawn')
})

t.test('a hidden topic is gone for guests and members, and back after unhide', async t => {
  const { app, algemeen, jan, url, ids } = await setup(t)
  const stays = await makeTopic(app, { forumId: algemeen.id, author: jan, title: 'Blijft staan', now: Date.now() - 86400_000 })
  await recountForum(app.db, algemeen.id) // the factory inserted this older topic last
  const before = { forum: await forumRow(app, algemeen.id), jan: await app.db.selectFrom('users').select('post_count').where('id', '=', jan.id).executeTakeFirstOrThrow() }
  t.same(before.forum, { topic_count: 2, post_count: 4, last_post_id: ids[2] })
  const mod = await loggedIn(app, 'mod')
  t.equal((await mod.submit(url, `${url}/moderate`, { action: 'hide', reason: 'dubbel' })).statusCode, 303)

  const guest = new Visitor(app)
  const lid = await loggedIn(app, 'bea')
  for (const [who, visitor] of [['guest', guest], ['bea', lid]] as const) {
    t.equal((await visitor.get(url)).statusCode, 404, `${who}: the topic 404s`)
    for (const id of ids) t.equal((await visitor.get(`/post/${id}`)).statusCode, 404, `${who}: /post/${id} 404s`)
    t.notMatch((await visitor.get('/forum/algemeen')).body, `href="${url}"`, `${who}: not listed`)
  }
  t.equal((await (await loggedIn(app, 'jan')).get(url)).statusCode, 404, 'even for its author')
  const forum = await forumRow(app, algemeen.id)
  t.same({ topic_count: forum.topic_count, post_count: forum.post_count }, { topic_count: 1, post_count: 1 }, 'forum counts drop')
  t.equal(forum.last_post_id, stays.ids[0], 'the last post is no longer in the hidden topic')
  const janNow = await app.db.selectFrom('users').select('post_count').where('id', '=', jan.id).executeTakeFirstOrThrow()
  t.same([before.jan.post_count, janNow.post_count], [4, 1], "the author's post count drops too")

  const seen = await mod.get(url)
  t.equal(seen.statusCode, 200, 'a moderator still sees it')
  t.match(seen.body, 'Dit onderwerp is verborgen: alleen moderatoren zien het.')
  t.same(postIds(seen.body), ids)
  t.equal((await mod.get(`/post/${ids[1]}`)).statusCode, 302)

  t.equal((await mod.submit(url, `${url}/moderate`, { action: 'unhide' })).statusCode, 303)
  t.same(await forumRow(app, algemeen.id), before.forum, 'counts restored')
  t.same(await app.db.selectFrom('users').select('post_count').where('id', '=', jan.id).executeTakeFirstOrThrow(), before.jan)
  t.equal((await guest.get(url)).statusCode, 200, 'visible again')
})
