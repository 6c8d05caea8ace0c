import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { createReply } from '../../src/models/posts.js'
import { buildTestApp, Visitor, csrfToken, decodeEntities, textOfClass, allTextOfClass, postIds } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'

const HOUR = 3600_000

/** The rows of the first table with this class, as HTML strings. */
function rowsOf (html: string, tableClass: string): string[] {
  const table = new RegExp(`<table class="${tableClass}">[\\s\\S]*?</table>`).exec(html)?.[0] ?? ''
  return [...table.matchAll(/<tr[^>]*>[\s\S]*?<\/tr>/g)].map(m => m[0]).slice(1) // without the header row
}

/** Topic slugs in the order the forum page lists them. */
const listedSlugs = (html: string): string[] =>
  rowsOf(html, 'topic-list').map(row => /<a href="\/topic\/([^"]+)">/.exec(row)?.[1] ?? '?')

const cell = (row: string, className: string): string[] => allTextOfClass(row, className)

const count = async (app: FastifyInstance, table: 'topics' | 'posts'): Promise<number> =>
  Number((await app.db.selectFrom(table).select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)

function formValues (html: string): { title?: string, body?: string } {
  const title = /<input[^>]*name="title"[^>]*value="([^"]*)"/.exec(html)?.[1]
  const body = /<textarea[^>]*name="body"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)?.[1]
  return { title: title === undefined ? undefined : decodeEntities(title), body: body === undefined ? undefined : decodeEntities(body) }
}

t.test('the forum index lists forums with subforums, counts and last activity', async t => {
  const app = await buildTestApp(t)
  const algemeen = await makeForum(app, 'Algemeen')
  const cao = await makeForum(app, 'Cao en verlof', 'algemeen')
  await makeForum(app, 'Bibliotheken')
  const anna = await makeMember(app, 'anna')
  const piet = await makeMember(app, 'piet')
  await makeTopic(app, { forumId: algemeen.id, author: anna, title: 'Voorstelronde', now: Date.now() - 5 * HOUR })
  const { ids } = await makeTopic(app, { forumId: algemeen.id, author: anna, title: 'Welkom', replies: 2, replier: piet, now: Date.now() - 2 * HOUR })
  const inSubforum = await makeTopic(app, { forumId: cao.id, author: anna, title: 'Verlofregels' })

  const res = await new Visitor(app).get('/')
  t.equal(res.statusCode, 200)
  const rows = rowsOf(res.body, 'forum-list')
  t.equal(rows.length, 2, 'two top-level forums; the subforum is listed under its parent')
  const [general, libraries] = rows
  t.match(general, /<th scope="row" class="forum-name">\s*<a href="\/forum\/algemeen">Algemeen<\/a>/, 'Algemeen first, linked')
  t.equal(textOfClass(general, 'forum-description'), 'Over Algemeen', 'with its description')
  t.match(general, /<ul class="subforums"[^>]*>\s*<li><a href="\/forum\/cao-en-verlof">Cao en verlof<\/a><\/li>/, 'its subforum, linked')
  t.same(cell(general, 'count'), ['3', '5'], 'its topics and posts, its subforum\'s included')
  t.match(general, `<a href="/post/${inSubforum.ids[0]}">Verlofregels</a>`, 'last activity: the latest post, in its subforum too')
  t.match(textOfClass(general, 'last-activity'), /door anna/, 'with its author')
  await app.db.updateTable('posts').set({ created_at: Date.now() }).where('id', '=', ids[2]).execute()
  await app.db.updateTable('forums').set({ last_post_id: ids[2] }).where('id', '=', algemeen.id).execute()
  const later = rowsOf((await new Visitor(app).get('/')).body, 'forum-list')[0]
  t.match(later, `<a href="/post/${ids[2]}">Welkom</a>`, 'the parent\'s own post when it is the latest')
  t.match(textOfClass(later, 'last-activity'), /door piet/)
  t.match(libraries, '<a href="/forum/bibliotheken">Bibliotheken</a>')
  t.same(cell(libraries, 'count'), ['0', '0'], 'an empty forum counts zero')
  t.match(textOfClass(libraries, 'last-activity'), 'Nog geen onderwerpen.', 'and says it has no topics')
})

t.test('a forum page lists subforums and topics, pinned first, then by last activity', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app, 'Algemeen')
  await makeForum(app, 'Cao en verlof', 'algemeen')
  const anna = await makeMember(app, 'anna')
  const piet = await makeMember(app, 'piet')
  const a = await makeTopic(app, { forumId: forum.id, author: anna, title: 'Oudste', now: Date.now() - 3 * HOUR })
  const b = await makeTopic(app, { forumId: forum.id, author: anna, title: 'Middelste', now: Date.now() - 2 * HOUR })
  await makeTopic(app, { forumId: forum.id, author: anna, title: 'Nieuwste', now: Date.now() - HOUR })
  const guest = new Visitor(app)

  const first = await guest.get('/forum/algemeen')
  t.equal(first.statusCode, 200)
  t.match(first.body, '<h1>Algemeen</h1>', 'the forum name')
  t.match(rowsOf(first.body, 'forum-list')[0], 'href="/forum/cao-en-verlof"', 'its subforum')
  t.same(listedSlugs(first.body), ['nieuwste', 'middelste', 'oudste'], 'latest activity first')
  t.notMatch(first.body, 'href="/forum/algemeen/new"', 'no new-topic link for guests')

  await app.db.updateTable('topics').set({ pinned: 1 }).where('id', '=', a.topic.id).execute()
  await createReply(app.db, { topicId: b.topic.id, authorId: piet.id, bodyMd: 'Ik ook', bodyHtml: '<p>Ik ook</p>' })
  const after = await guest.get('/forum/algemeen')
  t.same(listedSlugs(after.body), ['oudste', 'middelste', 'nieuwste'], 'pinned first, then the topic with the new reply')
  const [pinned, replied] = rowsOf(after.body, 'topic-list')
  t.match(pinned, 'class="topic-row pinned"', 'the pinned topic is marked')
  t.match(pinned, '<span class="badge">Vastgezet</span>', 'with a badge')
  t.match(pinned, 'Gestart door <a href="/user/anna">anna</a>', 'the starter, linked')
  t.same(cell(replied, 'count'), ['1'], 'the reply count')
  t.match(textOfClass(replied, 'last-activity'), /door piet$/, 'the last poster')
  t.equal((await guest.get('/forum/no-such-forum')).statusCode, 404, 'an unknown forum is 404')
})

t.test('a forum shows 20 topics a page', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app, 'Algemeen')
  const anna = await makeMember(app, 'anna')
  const slugs: string[] = []
  for (let i = 1; i <= 21; i++) {
    slugs.push((await makeTopic(app, { forumId: forum.id, author: anna, title: `Onderwerp ${i}`, now: Date.now() - (100 - i) * HOUR })).topic.slug)
  }
  const newestFirst = slugs.slice().reverse()
  const guest = new Visitor(app)
  const one = await guest.get('/forum/algemeen')
  t.same(listedSlugs(one.body), newestFirst.slice(0, 20), 'page 1: the 20 latest')
  t.match(one.body, '<a href="/forum/algemeen/page/2">2</a>', 'links to page 2')
  const two = await guest.get('/forum/algemeen/page/2')
  t.equal(two.statusCode, 200)
  t.same(listedSlugs(two.body), ['onderwerp-1'], 'page 2: the 21st topic')
  t.match(two.body, '<a href="/forum/algemeen">1</a>', 'links back to page 1')
  t.equal((await guest.get('/forum/algemeen/page/1')).statusCode, 200, 'page 1 by number')
  for (const n of ['3', '0', 'abc', '-1']) {
    t.equal((await guest.get(`/forum/algemeen/page/${n}`)).statusCode, 404, `page ${n} is 404`)
  }
})

t.test('starting a topic', async t => {
  const app = await buildTestApp(t)
  await makeForum(app, 'Algemeen')
  await makeMember(app, 'anna')
  const guest = new Visitor(app)
  const refused = await guest.get('/forum/algemeen/new')
  t.match(refused.statusCode, /^30[23]$/, 'a guest is redirected')
  t.equal(refused.headers.location, `/login?next=${encodeURIComponent('/forum/algemeen/new')}`, 'to login, coming back after')
  const guestPost = await guest.submit('/login', '/forum/algemeen/new', { title: 'Als gast', body: 'Hallo' })
  t.match(guestPost.headers.location, /^\/login/, 'a guest POST goes to login too')
  t.equal(await count(app, 'topics'), 0, 'and stores nothing')

  const anna = new Visitor(app)
  await anna.login('anna', PASSWORD)
  t.match((await anna.get('/forum/algemeen')).body, 'href="/forum/algemeen/new"', 'members get a new-topic link')
  t.equal((await anna.get('/forum/no-such-forum/new')).statusCode, 404, 'no form for an unknown forum')
  const form = await anna.get('/forum/algemeen/new')
  t.equal(form.statusCode, 200, 'the form')
  t.match(form.body, '<form method="post" action="/forum/algemeen/new"', 'posting to the forum')
  t.ok(csrfToken(form.body), 'with a CSRF token')
  t.same(formValues(form.body), { title: '', body: '' }, 'with empty title and body fields')

  const res = await anna.submit('/forum/algemeen/new', '/forum/algemeen/new', { title: '  Een vraag over verlof  ', body: 'Hoe **zit** het?' })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/topic/een-vraag-over-verlof', 'to the new topic')
  const topic = await app.db.selectFrom('topics').selectAll().executeTakeFirstOrThrow()
  t.equal(topic.title, 'Een vraag over verlof', 'the title is stored trimmed')
  const posts = await app.db.selectFrom('posts').selectAll().execute()
  t.same(posts.map(p => [p.position, p.body_md]), [[1, 'Hoe **zit** het?']], 'with its first post')
  const forum = await app.db.selectFrom('forums').selectAll().executeTakeFirstOrThrow()
  t.same([forum.topic_count, forum.post_count, forum.last_post_id], [1, 1, posts[0].id], 'forum counts')

  const page = await anna.get('/topic/een-vraag-over-verlof')
  t.same(postIds(page.body), [posts[0].id], 'the topic page shows the first post')
  t.match(page.body, '<strong>zit</strong>', 'rendered')
  t.same(listedSlugs((await anna.get('/forum/algemeen')).body), ['een-vraag-over-verlof'], 'the forum lists the topic')
  const exact = await anna.submit('/forum/algemeen/new', '/forum/algemeen/new', { title: 'x'.repeat(150), body: 'Lang' })
  t.equal(exact.statusCode, 303, 'a title of 150 characters is fine')
})

t.test('an invalid new topic answers 400 with everything typed kept, storing nothing', async t => {
  const app = await buildTestApp(t)
  await makeForum(app, 'Algemeen')
  await makeMember(app, 'anna')
  const anna = new Visitor(app)
  await anna.login('anna', PASSWORD)
  const cases = [
    { why: 'a title under 3 characters after trimming', title: '  ab  ', body: 'Tekst met <b> & "quotes"', error: 'De titel moet minstens 3 tekens hebben.' },
    { why: 'a title over 150 characters', title: 'y'.repeat(151), body: 'Gewone tekst', error: 'De titel mag hoogstens 150 tekens hebben.' },
    { why: 'an empty body', title: 'Een goede titel', body: '', error: 'Het bericht is leeg.' },
    { why: 'a blank body', title: 'Een goede titel', body: ' \n ', error: 'Het bericht is leeg.' }
  ]
  for (const { why, title, body, error } of cases) {
    const res = await anna.submit('/forum/algemeen/new', '/forum/algemeen/new', { title, body })
    t.equal(res.statusCode, 400, why)
    t.same(allTextOfClass(res.body, 'field-error'), [error], `${why}: the error`)
    t.same(formValues(res.body), { title, body }, `${why}: title and body kept`)
  }
  t.equal(await count(app, 'topics'), 0, 'no topic stored')
  t.equal(await count(app, 'posts'), 0, 'no post stored')
  const forum = await app.db.selectFrom('forums').selectAll().executeTakeFirstOrThrow()
  t.same([forum.topic_count, forum.post_count], [0, 0], 'forum counts unchanged')
})
