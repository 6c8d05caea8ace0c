import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import type { Topic, User } from '../../src/db/schema.js'
import { buildTestApp } from '../helper.js'
import { makeForum, makeMember } from '../factories.js'
import { createTopic } from '../../src/models/topics.js'
import { createReply } from '../../src/models/posts.js'
import { recountForum, recountUser, renumberTopic } from '../../src/models/recount.js'
import { setPostState, setTopicHidden } from '../../src/models/moderation.js'

/**
 * Posting keeps counts incrementally; the recount functions recompute them from the rows.
 * After any series of acts both must agree: compare the stored numbers with a fresh recount.
 */

async function world (t: Test) {
  const app = await buildTestApp(t)
  const algemeen = await makeForum(app)
  const noord = await makeForum(app, 'Regio Noord')
  const anna = await makeMember(app, 'anna')
  const bob = await makeMember(app, 'bob', 'bijdrager')
  const mod = await makeMember(app, 'mod', 'moderator')
  let clock = Date.now() - 86400_000
  const tick = (): number => (clock += 1000)
  const topic = async (forumId: number, author: User, title: string, queued = false): Promise<Topic> =>
    (await createTopic(app.db, { forumId, authorId: author.id, title, bodyMd: title, bodyHtml: `<p>${title}</p>`, queued, now: tick() })).topic
  const reply = async (topicRow: Topic, author: User, queued = false): Promise<number> =>
    (await createReply(app.db, { topicId: topicRow.id, authorId: author.id, bodyMd: 'x', bodyHtml: '<p>x</p>', queued, now: tick() })).id
  const act = { moderatorId: mod.id, action: 'test' }
  return { app, algemeen, noord, anna, bob, mod, topic, reply, act }
}

async function snapshot (app: FastifyInstance) {
  return {
    topics: await app.db.selectFrom('topics').select(['id', 'post_count', 'visible_post_count', 'reply_count', 'last_post_id', 'last_post_at']).orderBy('id').execute(),
    posts: await app.db.selectFrom('posts').select(['id', 'topic_id', 'position', 'visible_position']).orderBy('id').execute(),
    forums: await app.db.selectFrom('forums').select(['id', 'topic_count', 'post_count', 'last_post_id']).orderBy('id').execute(),
    users: await app.db.selectFrom('users').select(['id', 'post_count']).orderBy('id').execute()
  }
}

/** The stored numbers, then the same numbers recomputed from scratch: they must be equal. */
async function agrees (t: Test, app: FastifyInstance, message: string) {
  const incremental = await snapshot(app)
  for (const { id } of incremental.topics) await renumberTopic(app.db, id)
  for (const { id } of incremental.forums) await recountForum(app.db, id)
  for (const { id } of incremental.users) await recountUser(app.db, id)
  const recounted = await snapshot(app)
  t.same(incremental, recounted, message)
  return recounted
}

t.test('a series of replies in two forums', async t => {
  const { app, algemeen, noord, anna, bob, mod, topic, reply } = await world(t)
  const a = await topic(algemeen.id, anna, 'Eerste vraag')
  const b = await topic(noord.id, bob, 'Noordelijke vraag')
  for (let i = 0; i < 6; i++) await reply(i % 2 ? a : b, [anna, bob, mod][i % 3])
  const c = await topic(algemeen.id, mod, 'Mededeling')
  await reply(a, bob)
  await reply(c, anna)
  const state = await agrees(t, app, 'incremental counts equal a recount')
  t.match(state.forums, [{ topic_count: 2, post_count: 7 }, { topic_count: 1, post_count: 4 }], 'and the numbers are what was written')
  t.match(state.users, [{ post_count: 4 }, { post_count: 4 }, { post_count: 3 }])
  t.same(state.posts.filter(p => p.topic_id === a.id).map(p => p.position), [1, 2, 3, 4, 5])
})

t.test('replies after hiding posts', async t => {
  const { app, algemeen, anna, bob, topic, reply, act } = await world(t)
  const a = await topic(algemeen.id, anna, 'Vraag')
  const ids = [await reply(a, bob), await reply(a, anna), await reply(a, bob)]
  await setPostState(app.db, { id: ids[0], topic_id: a.id, author_id: bob.id }, { hidden: true }, act)
  await setPostState(app.db, { id: ids[2], topic_id: a.id, author_id: bob.id }, { hidden: true }, act)
  await agrees(t, app, 'after hiding')
  const late = await reply(a, bob)
  await reply(a, anna)
  const state = await agrees(t, app, 'replies after a hide are counted the same way')
  t.match(state.topics[0], { post_count: 6, visible_post_count: 4, reply_count: 3 })
  t.equal(state.posts.find(p => p.id === late)?.visible_position, 3)
  await setPostState(app.db, { id: ids[0], topic_id: a.id, author_id: bob.id }, { hidden: false }, act)
  await reply(a, bob)
  await agrees(t, app, 'after unhiding and another reply')
})

t.test('queued replies and approval', async t => {
  const { app, algemeen, anna, bob, topic, reply, act } = await world(t)
  const a = await topic(algemeen.id, bob, 'Vraag')
  const waiting = await reply(a, anna, true)
  await agrees(t, app, 'a queued reply counts nowhere yet')
  await reply(a, bob)
  await reply(a, anna, true)
  const state = await agrees(t, app, 'visible replies after queued ones')
  t.match(state.topics[0], { post_count: 4, visible_post_count: 2, reply_count: 1 })
  await setPostState(app.db, { id: waiting, topic_id: a.id, author_id: anna.id }, { approve: true }, act)
  await reply(a, bob)
  const after = await agrees(t, app, 'after approval and another reply')
  t.match(after.topics[0], { post_count: 5, visible_post_count: 4, reply_count: 3 })
  t.same(after.posts.map(p => p.visible_position), [1, 2, 3, null, 4], 'visible positions skip only the post still waiting')
})

t.test('a queued new topic, approved', async t => {
  const { app, algemeen, anna, bob, topic, reply, act } = await world(t)
  await topic(algemeen.id, bob, 'Zichtbaar')
  const q = await topic(algemeen.id, anna, 'Wacht nog', true)
  await agrees(t, app, 'a queued topic counts nowhere yet')
  const opener = (await app.db.selectFrom('posts').select('id').where('topic_id', '=', q.id).executeTakeFirstOrThrow()).id
  await setPostState(app.db, { id: opener, topic_id: q.id, author_id: anna.id }, { approve: true }, act)
  await reply(q, bob)
  const state = await agrees(t, app, 'after approval and a reply')
  t.match(state.forums[0], { topic_count: 2, post_count: 3 })
})

t.test('a reply to a topic whose opening post still waits', async t => {
  const { app, algemeen, anna, mod, topic, reply } = await world(t)
  const q = await topic(algemeen.id, anna, 'Wacht nog', true)
  await reply(q, mod)
  await agrees(t, app, 'incremental counts equal a recount')
})

t.test('replies in a hidden topic', async t => {
  const { app, algemeen, anna, bob, mod, topic, reply, act } = await world(t)
  const a = await topic(algemeen.id, anna, 'Vraag')
  await topic(algemeen.id, bob, 'Andere vraag')
  await reply(a, bob)
  await setTopicHidden(app.db, a, true, act)
  await reply(a, mod)
  const state = await agrees(t, app, 'a reply in a hidden topic counts for the topic only')
  t.match(state.forums[0], { topic_count: 1, post_count: 1 })
  await setTopicHidden(app.db, { ...a, hidden: 1 }, false, act)
  await reply(a, bob)
  const back = await agrees(t, app, 'after unhiding')
  t.match(back.forums[0], { topic_count: 2, post_count: 5 })
})
