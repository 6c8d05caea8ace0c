import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import type { User } from '../../src/db/schema.js'
import { buildTestApp, Visitor, csrfToken, textOfClass, postIds } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'
import { createTopic } from '../../src/models/topics.js'
import { createReply } from '../../src/models/posts.js'

async function setup (t: Test, replies: number) {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const piet = await makeMember(app, 'piet')
  await makeMember(app, 'mod', 'moderator')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, replies, replier: piet })
  const mod = new Visitor(app)
  await mod.login('mod', PASSWORD)
  return { app, forum, jan, piet, topic, ids, mod, url: `/topic/${topic.slug}` }
}

async function loggedIn (app: FastifyInstance, name: string): Promise<Visitor> {
  const visitor = new Visitor(app)
  await visitor.login(name, PASSWORD)
  return visitor
}

/** Posts several values for one field, the way a browser sends checked checkboxes. */
async function postForm (visitor: Visitor, url: string, fields: Array<[string, string]>) {
  const token = csrfToken((await visitor.get('/')).body)!
  return visitor.app.inject({
    method: 'POST', url, headers: { cookie: visitor.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams([...fields, ['_csrf', token]]).toString()
  })
}

const articleOf = (html: string, id: number): string =>
  new RegExp(`<article id="post-${id}" class="post[^"]*"[^>]*>[\\s\\S]*?</article>`).exec(html)?.[0] ?? ''

const topicRow = async (app: FastifyInstance, id: number) => app.db.selectFrom('topics')
  .select(['post_count', 'visible_post_count', 'reply_count', 'last_post_id']).where('id', '=', id).executeTakeFirstOrThrow()
const positions = async (app: FastifyInstance, topicId: number) => (await app.db.selectFrom('posts').select(['id', 'position'])
  .where('topic_id', '=', topicId).orderBy('position').execute()).map(p => [p.id, p.position])
const userPosts = async (app: FastifyInstance, user: User) =>
  (await app.db.selectFrom('users').select('post_count').where('id', '=', user.id).executeTakeFirstOrThrow()).post_count

t.test('a hidden post disappears for members and guests, pages and permalinks follow', async t => {
  const { app, ids, mod, url } = await setup(t, 12)
  const res = await mod.submit(url, `/post/${ids[3]}/moderate`, { action: 'hide', reason: 'reclame' })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, `${url}#post-${ids[3]}`, 'back to where the post is, for the moderator')

  for (const [who, visitor] of [['guest', new Visitor(app)], ['jan', await loggedIn(app, 'jan')]] as const) {
    const page1 = await visitor.get(url)
    t.notOk(postIds(page1.body).includes(ids[3]), `${who}: the post is gone`)
    t.equal(postIds(page1.body).length, 10)
    t.same(textOfClass(page1.body, 'pagination-count'), '10 berichten aan het bekijken - 1 tot 10 (van in totaal 12)', `${who}: the count follows`)
    const page2 = await visitor.get(`${url}/page/2`)
    t.same(postIds(page2.body), ids.slice(11), `${who}: page 2 holds visible posts 11 and 12`)
    t.equal(textOfClass(page2.body, 'pagination-count'), '2 berichten aan het bekijken - 11 tot 12 (van in totaal 12)')
  }
  const guest = new Visitor(app)
  t.equal((await guest.get(`/post/${ids[3]}`)).statusCode, 404, 'a guest gets 404 for the hidden post')
  t.equal((await guest.get(`/post/${ids[11]}`)).headers.location, `${url}/page/2#post-${ids[11]}`, 'position 12, visible 11: page 2')
  t.equal((await guest.get(`/post/${ids[10]}`)).headers.location, `${url}#post-${ids[10]}`, 'position 11, visible 10: page 1')
  const forMod = await mod.get(`/post/${ids[3]}`)
  t.equal(forMod.statusCode, 302, 'a moderator is sent to the hidden post')
  t.equal(forMod.headers.location, `${url}#post-${ids[3]}`)
  t.equal((await mod.get(`/post/${ids[10]}`)).headers.location, `${url}/page/2#post-${ids[10]}`, 'moderators page through every post')

  const modPage = await mod.get(url)
  t.equal(textOfClass(modPage.body, 'pagination-count'), '10 berichten aan het bekijken - 1 tot 10 (van in totaal 13)')
  const article = articleOf(modPage.body, ids[3])
  t.match(article, `class="post post-hidden"`, 'greyed out for moderators')
  t.match(article, 'Verborgen door mod: reclame', 'with who and why')
  t.match(article, 'value="unhide"')
  t.match(await app.db.selectFrom('moderation_log').selectAll().executeTakeFirstOrThrow(), { action: 'post.hide', post_id: ids[3], reason: 'reclame' })

  t.equal((await mod.submit(url, `/post/${ids[3]}/moderate`, { action: 'unhide' })).statusCode, 303)
  t.equal(textOfClass((await guest.get(url)).body, 'pagination-count'), '10 berichten aan het bekijken - 1 tot 10 (van in totaal 13)', 'back after unhide')
  t.equal((await guest.get(`/post/${ids[3]}`)).statusCode, 302)
})

t.test('members cannot hide posts', async t => {
  const { app, ids, url } = await setup(t, 2)
  const jan = await loggedIn(app, 'jan')
  const res = await jan.submit(url, `/post/${ids[2]}/moderate`, { action: 'hide' })
  t.equal(res.statusCode, 403)
  const guest = await new Visitor(app).submit('/login', `/post/${ids[2]}/moderate`, { action: 'hide' })
  t.equal(guest.statusCode, 303)
  t.match(guest.headers.location, /^\/login/)
  t.equal((await app.db.selectFrom('posts').select('hidden').where('id', '=', ids[2]).executeTakeFirstOrThrow()).hidden, 0)
})

t.test('hiding the last post moves the last post back and lowers the counts', async t => {
  const { app, forum, topic, ids, piet, mod, url } = await setup(t, 3)
  t.same(await topicRow(app, topic.id), { post_count: 4, visible_post_count: 4, reply_count: 3, last_post_id: ids[3] })
  t.equal(await userPosts(app, piet), 3)
  t.equal((await mod.submit(url, `/post/${ids[3]}/moderate`, { action: 'hide' })).statusCode, 303)
  t.same(await topicRow(app, topic.id), { post_count: 4, visible_post_count: 3, reply_count: 2, last_post_id: ids[2] })
  t.equal(await userPosts(app, piet), 2, "the author's post count")
  const forumRow = await app.db.selectFrom('forums').select(['post_count', 'last_post_id']).where('id', '=', forum.id).executeTakeFirstOrThrow()
  t.same(forumRow, { post_count: 3, last_post_id: ids[2] })
  t.match((await new Visitor(app).get('/forum/algemeen')).body, `href="/post/${ids[2]}"`, 'the listing links to the new last post')
  t.equal((await mod.submit(url, `/post/${ids[3]}/moderate`, { action: 'unhide' })).statusCode, 303)
  t.same(await topicRow(app, topic.id), { post_count: 4, visible_post_count: 4, reply_count: 3, last_post_id: ids[3] })
  t.equal(await userPosts(app, piet), 3)
})

t.test("a moderator's edit of someone else's post keeps a revision", async t => {
  const { app, ids, mod, url } = await setup(t, 2)
  t.equal((await mod.get(`/post/${ids[1]}/edit`)).statusCode, 200)
  const res = await mod.submit(`/post/${ids[1]}/edit`, `/post/${ids[1]}/edit`, { body: 'Opgeschoonde tekst', reason: 'persoonsgegevens' })
  t.equal(res.statusCode, 303)
  const [revision] = await app.db.selectFrom('post_revisions').selectAll().execute()
  const modId = (await app.db.selectFrom('users').select('id').where('username', '=', 'mod').executeTakeFirstOrThrow()).id
  t.match(revision, { post_id: ids[1], editor_id: modId, reason: 'persoonsgegevens', body_md: 'Reactie 1' })

  const page = await new Visitor(app).get(url)
  t.match(textOfClass(articleOf(page.body, ids[1]), 'post-body'), 'Opgeschoonde tekst')
  t.match(textOfClass(articleOf(page.body, ids[1]), 'post-edited'), /^bewerkt /, 'readers see "bewerkt"')
  t.notMatch(articleOf(page.body, ids[2]), 'post-edited')

  const history = await mod.get(`/post/${ids[1]}/revisions`)
  t.equal(history.statusCode, 200)
  t.match(history.body, 'Reactie 1', 'the old text')
  t.match(history.body, 'Bewerkt door mod')
  t.match(history.body, 'persoonsgegevens')
  for (const name of ['jan', 'piet']) t.equal((await (await loggedIn(app, name)).get(`/post/${ids[1]}/revisions`)).statusCode, 403, `${name}: 403`)
  t.equal((await new Visitor(app).get(`/post/${ids[1]}/revisions`)).statusCode, 303, 'a guest goes to login')

  const piet = await loggedIn(app, 'piet')
  await app.db.updateTable('posts').set({ created_at: Date.now() - 60_000 }).where('id', '=', ids[2]).execute() // within the edit window
  t.equal((await piet.submit(`/post/${ids[2]}/edit`, `/post/${ids[2]}/edit`, { body: 'Eigen correctie' })).statusCode, 303)
  const own = await app.db.selectFrom('post_revisions').selectAll().where('post_id', '=', ids[2]).execute()
  t.match(own, [{ body_md: 'Reactie 2', reason: null }], "an author's own edit is kept too")
  t.equal((await piet.submit(`/post/${ids[0]}/edit`, `/post/${ids[0]}/edit`, { body: 'Niet van mij' })).statusCode, 403, 'not someone else\'s')
})

t.test('split: chosen replies become a new topic', async t => {
  const { app, forum, topic, ids, mod, url } = await setup(t, 12)
  const res = await postForm(mod, `${url}/moderate`, [['action', 'split'], ['title', 'Een nieuwe draad'], ['posts', String(ids[4])], ['posts', String(ids[2])], ['reason', 'ander onderwerp']])
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/topic/een-nieuwe-draad')
  const created = await app.db.selectFrom('topics').selectAll().where('slug', '=', 'een-nieuwe-draad').executeTakeFirstOrThrow()
  t.same(await positions(app, created.id), [[ids[2], 1], [ids[4], 2]], 'the new topic holds them at 1 and 2')
  const rest = ids.filter(id => id !== ids[2] && id !== ids[4])
  t.same(await positions(app, topic.id), rest.map((id, i) => [id, i + 1]), 'the source is renumbered without gaps')
  t.same(await topicRow(app, topic.id), { post_count: 11, visible_post_count: 11, reply_count: 10, last_post_id: ids[12] })
  t.same(await topicRow(app, created.id), { post_count: 2, visible_post_count: 2, reply_count: 1, last_post_id: ids[4] })
  t.match(created, { forum_id: forum.id, title: 'Een nieuwe draad' })
  const forumRow = await app.db.selectFrom('forums').select(['topic_count', 'post_count', 'last_post_id']).where('id', '=', forum.id).executeTakeFirstOrThrow()
  t.same(forumRow, { topic_count: 2, post_count: 13, last_post_id: ids[12] })

  const guest = new Visitor(app)
  t.same(postIds((await guest.get('/topic/een-nieuwe-draad')).body), [ids[2], ids[4]])
  t.equal((await guest.get(`/post/${ids[4]}`)).headers.location, `/topic/een-nieuwe-draad#post-${ids[4]}`, 'old permalinks land in the new topic')
  t.equal((await guest.get(`/post/${ids[11]}`)).headers.location, `${url}#post-${ids[11]}`, 'was position 12, now 10')
  t.equal((await guest.get(`/post/${ids[12]}`)).headers.location, `${url}/page/2#post-${ids[12]}`)
  t.equal(textOfClass((await guest.get(url)).body, 'pagination-count'), '10 berichten aan het bekijken - 1 tot 10 (van in totaal 11)')
  t.match(await app.db.selectFrom('moderation_log').selectAll().executeTakeFirstOrThrow(),
    { action: 'topic.split', topic_id: topic.id, other_topic_id: created.id, post_count: 2, from_value: topic.title, to_value: 'Een nieuwe draad', reason: 'ander onderwerp' })
})

t.test('merge: chosen replies join another topic in time order', async t => {
  const { app, forum, jan, piet, topic, ids, mod, url } = await setup(t, 0)
  const base = Date.now() - 3600_000
  const reply = async (topicId: number, author: User, text: string, now: number) =>
    (await createReply(app.db, { topicId, authorId: author.id, bodyMd: text, bodyHtml: `<p>${text}</p>`, now })).id
  const a1 = await reply(topic.id, piet, 'a1', base + 10_000)
  const a2 = await reply(topic.id, piet, 'a2', base + 30_000)
  const a3 = await reply(topic.id, piet, 'a3', base + 50_000)
  const target = (await createTopic(app.db, { forumId: forum.id, authorId: jan.id, title: 'Doel', bodyMd: 'b0', bodyHtml: '<p>b0</p>', now: base + 5000 })).topic
  const b0 = (await positions(app, target.id))[0][0]
  const b1 = await reply(target.id, jan, 'b1', base + 20_000)
  const b2 = await reply(target.id, jan, 'b2', base + 40_000)
  const before = { posts: await app.db.selectFrom('posts').selectAll().orderBy('id').execute(), topics: await app.db.selectFrom('topics').selectAll().execute() }

  // From the tools form (chosen=1): without chosen replies nothing is merged; the whole topic has its own form.
  for (const chosen of [[String(ids[0])], []]) {
    const refused = await postForm(mod, `${url}/moderate`, [['action', 'merge'], ['chosen', '1'], ['target', 'doel'], ...chosen.map(id => ['posts', id] as [string, string])])
    t.equal(refused.statusCode, 400, chosen.length > 0 ? 'the opening post cannot be merged' : 'nothing chosen')
    t.match(refused.body, 'Kies eerst een of meer reacties')
  }
  t.same({ posts: await app.db.selectFrom('posts').selectAll().orderBy('id').execute(), topics: await app.db.selectFrom('topics').selectAll().execute() }, before, 'nothing changed')

  const res = await postForm(mod, `${url}/moderate`, [['action', 'merge'], ['target', '/topic/doel'], ['posts', String(a1)], ['posts', String(a3)]])
  t.equal(res.statusCode, 303, 'merged')
  t.equal(res.headers.location, `/post/${a1}`, 'to the first merged post')
  t.same(await positions(app, target.id), [[b0, 1], [a1, 2], [b1, 3], [b2, 4], [a3, 5]], 'by time, contiguous')
  t.same(await positions(app, topic.id), [[ids[0], 1], [a2, 2]])
  t.same(await topicRow(app, target.id), { post_count: 5, visible_post_count: 5, reply_count: 4, last_post_id: a3 })
  t.same(await topicRow(app, topic.id), { post_count: 2, visible_post_count: 2, reply_count: 1, last_post_id: a2 })
  const forumRow = await app.db.selectFrom('forums').select(['topic_count', 'post_count', 'last_post_id']).where('id', '=', forum.id).executeTakeFirstOrThrow()
  t.same(forumRow, { topic_count: 2, post_count: 7, last_post_id: a3 })
  t.equal(await userPosts(app, piet), 3)
  const guest = new Visitor(app)
  t.same(postIds((await guest.get('/topic/doel')).body), [b0, a1, b1, b2, a3])
  t.equal((await guest.get(`/post/${a1}`)).headers.location, `/topic/doel#post-${a1}`)
})

t.test('merge into a topic that has only its opening post', async t => {
  const { app, forum, jan, topic, ids, mod, url } = await setup(t, 3)
  const target = (await createTopic(app.db, { forumId: forum.id, authorId: jan.id, title: 'Kort', bodyMd: 'k', bodyHtml: '<p>k</p>', now: Date.now() - 7200_000 })).topic
  const opener = (await positions(app, target.id))[0][0]
  const res = await postForm(mod, `${url}/moderate`, [['action', 'merge'], ['target', 'kort'], ['posts', String(ids[1])], ['posts', String(ids[3])]])
  t.equal(res.statusCode, 303)
  t.same(await positions(app, target.id), [[opener, 1], [ids[1], 2], [ids[3], 3]])
  t.same(await positions(app, topic.id), [[ids[0], 1], [ids[2], 2]])
  t.same(await topicRow(app, target.id), { post_count: 3, visible_post_count: 3, reply_count: 2, last_post_id: ids[3] })
  t.same(await topicRow(app, topic.id), { post_count: 2, visible_post_count: 2, reply_count: 1, last_post_id: ids[2] })
  t.match(await app.db.selectFrom('moderation_log').selectAll().executeTakeFirstOrThrow(), { action: 'topic.merge', topic_id: topic.id, other_topic_id: target.id, post_count: 2, to_value: 'Kort' })
})
