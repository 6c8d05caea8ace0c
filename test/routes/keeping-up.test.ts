import t from 'tap'
import { parseFeed } from '@rowanmanning/feed-parser'
import { buildTestApp, loggedIn, textOfClass, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'
import { createReply } from '../../src/models/posts.js'
import { sql } from 'kysely'
import { testOnPostgres } from '../postgres-databases.js'

const BASE_URL = 'https://forum.example.org'

t.test('unread: marks per member, counts in lists, the first unread post, a forum marked read, /unread and /latest', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan', 'lid', { now: Date.now() - 7 * 24 * 3600_000 })
  const els = await makeMember(app, 'els', 'lid', { now: Date.now() - 7 * 24 * 3600_000 })
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, replies: 14 })
  const janVisitor = await loggedIn(app, 'jan')
  const elsVisitor = await loggedIn(app, 'els')
  const row = async (who: Visitor) => /<tr class="topic-row[^"]*">[\s\S]*?<\/tr>/.exec((await who.get(`/forum/${forum.slug}`)).body)![0]

  t.match(await row(janVisitor), 'class="topic-row unread"', 'a topic active since joining is unread')
  t.match(textOfClass(await row(janVisitor), 'unread-link'), '15 nieuw')
  await janVisitor.get(`/topic/${topic.slug}`)
  t.match(textOfClass(await row(janVisitor), 'unread-link'), '5 nieuw', 'page 1 read: five left for jan')
  t.match(textOfClass(await row(elsVisitor), 'unread-link'), '15 nieuw', 'els has read nothing: marks are per member')
  const first = await janVisitor.get(`/topic/${topic.slug}/unread`)
  t.equal(first.statusCode, 302)
  t.equal(first.headers.location, `/topic/${topic.slug}/page/2#post-${ids[10]}`, 'straight to the first unread post')
  await janVisitor.get(`/topic/${topic.slug}/page/2`)
  t.notMatch(await row(janVisitor), 'unread', 'all read')
  t.equal((await janVisitor.get(`/topic/${topic.slug}/unread`)).headers.location, `/topic/${topic.slug}/page/2#post-${ids[14]}`, 'all read: the last post')

  await createReply(app.db, { topicId: topic.id, authorId: els.id, bodyMd: 'Nieuw', bodyHtml: '<p>Nieuw</p>' })
  t.match(textOfClass(await row(janVisitor), 'unread-link'), '1 nieuw', 'a new reply is one new post')
  const unread = await janVisitor.get('/unread')
  t.match(unread.body, `href="/topic/${topic.slug}"`, '/unread lists it')
  t.equal((await janVisitor.submit(`/forum/${forum.slug}`, `/forum/${forum.slug}/read`, {})).statusCode, 303)
  t.notMatch(await row(janVisitor), 'unread', 'the forum marked read')
  t.match((await janVisitor.get('/unread')).body, 'Je hebt alles gelezen.')
  t.equal((await new Visitor(app).get('/unread')).statusCode, 303, 'guests go to log in')

  const hidden = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Verborgen vraag' })
  await app.db.updateTable('topics').set({ hidden: 1 }).where('id', '=', hidden.topic.id).execute()
  const latest = await new Visitor(app).get('/latest')
  t.equal(latest.statusCode, 200)
  t.match(latest.body, topic.title, '/latest lists active topics for guests')
  t.notMatch(latest.body, 'Verborgen vraag', 'but not hidden ones')
  t.notMatch(latest.body, 'unread', 'and marks nothing for a guest')
  t.equal((await new Visitor(app).get('/latest?page=9')).statusCode, 404)
  const reads = await app.db.selectFrom('topic_reads').selectAll().execute()
  t.ok(reads.every(r => r.user_id === jan.id || r.user_id === els.id), 'marks only for members')
})

t.test('Atom feeds, read by a real feed parser: escaped, absolute, stable, and only what a guest may read', async t => {
  const app = await buildTestApp(t, { baseUrl: BASE_URL })
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan', 'bijdrager')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Cao & <verlof> "2027"', replies: 2 })
  const hidden = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Geheim onderwerp' })
  await app.db.updateTable('topics').set({ hidden: 1 }).where('id', '=', hidden.topic.id).execute()
  await app.db.updateTable('posts').set({ body_html: '<p>Zie <a href="/user/jan">@jan</a> &amp; <strong>meer</strong></p>' }).where('id', '=', ids[0]).execute()

  for (const url of ['/feed', `/forum/${forum.slug}/feed`]) {
    const response = await new Visitor(app).get(url)
    t.equal(response.statusCode, 200, url)
    t.match(String(response.headers['content-type']), /^application\/atom\+xml/)
    const feed = parseFeed(response.body)
    t.equal(feed.meta.type, 'atom', `${url}: Atom`)
    t.same(feed.items.map(item => item.title), ['Cao & <verlof> "2027"'], `${url}: the title, unescaped by the parser; no hidden topic`)
    t.equal(feed.items[0].url, `${BASE_URL}/post/${ids[0]}`, 'an absolute link to the post')
    t.equal(feed.items[0].id, `${BASE_URL}/post/${ids[0]}`, 'the permalink as id')
    t.match(feed.items[0].content, `<a href="${BASE_URL}/user/jan"`, 'the post HTML, links made absolute')
    t.match(feed.items[0].content, '<strong>meer</strong>')
    t.equal(feed.items[0].authors[0].name, 'jan')
  }
  const topicFeed = parseFeed((await new Visitor(app).get(`/topic/${topic.slug}/feed`)).body)
  t.same(topicFeed.items.map(item => item.url), [ids[2], ids[1], ids[0]].map(id => `${BASE_URL}/post/${id}`), 'the topic\'s posts, newest first')
  const before = topicFeed.items.find(item => item.url?.endsWith(`/${ids[1]}`))!
  await app.db.updateTable('posts').set({ edited_at: Date.now() + 60_000, body_html: '<p>Bewerkt</p>' }).where('id', '=', ids[1]).execute()
  const after = parseFeed((await new Visitor(app).get(`/topic/${topic.slug}/feed`)).body).items.find(item => item.url?.endsWith(`/${ids[1]}`))!
  t.equal(after.id, before.id, 'the id stays across an edit')
  t.ok(after.updated!.getTime() > before.updated!.getTime(), 'and updated moves')
  t.equal((await new Visitor(app).get(`/topic/${hidden.topic.slug}/feed`)).statusCode, 404, 'a hidden topic has no feed')
  t.equal((await new Visitor(app).get('/forum/bestaat-niet/feed')).statusCode, 404)
  const page = await new Visitor(app).get(`/forum/${forum.slug}`)
  t.match(page.body, `<link rel="alternate" type="application/atom+xml" title="Algemeen" href="/forum/${forum.slug}/feed">`, 'feed readers find the feed from the page')
})

t.test('reading a page again writes nothing, not even a lock on PostgreSQL (whose commit would wait for the disk)', { skip: testOnPostgres ? false : 'runs with KRING_TEST_DB=postgres' }, async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const { topic } = await makeTopic(app, { forumId: forum.id, author: jan, replies: 2 })
  const visitor = await loggedIn(app, 'jan')
  const mark = async (): Promise<{ last_position: number, xmax: string } | undefined> => (await sql<{ last_position: number, xmax: string }>`select last_position, xmax::text as xmax from topic_reads where user_id = ${jan.id} and topic_id = ${topic.id}`.execute(app.db)).rows[0]
  await visitor.get(`/topic/${topic.slug}`)
  t.match(await mark(), { last_position: 3 }, 'the first view marks the topic read')
  await visitor.get(`/topic/${topic.slug}`)
  t.same(await mark(), { last_position: 3, xmax: '0' }, 'the second leaves the row as it was: no transaction locked it')
  await createReply(app.db, { topicId: topic.id, authorId: jan.id, bodyMd: 'Nog een', bodyHtml: '<p>Nog een</p>' })
  await visitor.get(`/topic/${topic.slug}`)
  t.match(await mark(), { last_position: 4 }, 'a new post read moves the mark on')
})
