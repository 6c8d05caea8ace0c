import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import type { Role } from '../../src/db/schema.js'
import { buildTestApp, Visitor, decodeEntities, textOfClass, postIds } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'

const MINUTE = 60_000

const postRow = async (app: FastifyInstance, id: number) =>
  app.db.selectFrom('posts').select(['body_md', 'body_html', 'edited_at']).where('id', '=', id).executeTakeFirstOrThrow()

function textareaOf (html: string): string | undefined {
  const match = /<textarea[^>]*name="body"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)
  return match ? decodeEntities(match[1]) : undefined
}

function titleInputOf (html: string): string | undefined {
  const match = /<input[^>]*name="title"[^>]*value="([^"]*)"/.exec(html)
  return match ? decodeEntities(match[1]) : undefined
}

/**
 * Anna (lid) wrote a topic with one reply `age` ago; `editor` (anna herself, or a new member
 * with the given role) is logged in.
 */
async function setup (t: Test, age: number, editor: { name: string, role?: Role }) {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const anna = await makeMember(app, 'anna')
  if (editor.name !== 'anna') await makeMember(app, editor.name, editor.role)
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: anna, replies: 1, now: Date.now() - age })
  const visitor = new Visitor(app)
  await visitor.login(editor.name, PASSWORD)
  return { app, topic, ids, visitor, url: `/topic/${topic.slug}` }
}

t.test('a permalink redirects to the page that holds the post', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: await makeMember(app, 'anna'), replies: 24 })
  const guest = new Visitor(app)
  for (const [index, page] of [[0, 1], [9, 1], [10, 2], [19, 2], [20, 3], [24, 3]]) {
    const res = await guest.get(`/post/${ids[index]}`)
    t.equal(res.statusCode, 302, `post ${index + 1} redirects`)
    t.equal(res.headers.location, `/topic/${topic.slug}${page === 1 ? '' : `/page/${page}`}#post-${ids[index]}`, `post ${index + 1} is on page ${page}`)
  }
  for (const id of ['999999', 'abc', '0', '-1', '1.5', '1e1', '99999999999999999999']) {
    t.equal((await guest.get(`/post/${id}`)).statusCode, 404, `/post/${id} is not found`)
  }
})

t.test('a lid edits an own recent post', async t => {
  const { app, ids, visitor, url } = await setup(t, 5 * MINUTE, { name: 'anna' })
  const topicPage = await visitor.get(url)
  t.match(topicPage.body, `href="/post/${ids[1]}/edit"`, 'the topic page offers an edit link')
  const form = await visitor.get(`/post/${ids[1]}/edit`)
  t.equal(form.statusCode, 200, 'the edit form')
  t.equal(textareaOf(form.body), 'Reactie 1', 'holding the current text')
  t.equal(titleInputOf(form.body), undefined, 'no title field for a reply')

  const res = await visitor.submit(`/post/${ids[1]}/edit`, `/post/${ids[1]}/edit`, { body: 'Nieuwe **tekst**' })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, `${url}#post-${ids[1]}`, 'back to the post')
  const page = await visitor.get(url)
  const article = new RegExp(`<article id="post-${ids[1]}"[\\s\\S]*?</article>`).exec(page.body)?.[0] ?? ''
  t.match(article, '<strong>tekst</strong>', 'the new body renders')
  t.match(textOfClass(article, 'post-edited'), /^bewerkt\b/, 'marked as edited')
  t.notMatch(page.body.replace(article, ''), 'post-edited', 'only the edited post is marked')
  const row = await postRow(app, ids[1])
  t.equal(row.body_md, 'Nieuwe **tekst**', 'the source is stored')
  t.ok(row.edited_at, 'the edit time is stored')
})

t.test('a lid may not edit an own post after the edit window', async t => {
  const { app, ids, visitor, url } = await setup(t, 2 * 3600_000, { name: 'anna' })
  t.notMatch((await visitor.get(url)).body, `/post/${ids[1]}/edit`, 'no edit link')
  const form = await visitor.get(`/post/${ids[1]}/edit`)
  t.equal(form.statusCode, 403, 'the edit form is refused')
  t.match(form.body, 'De tijd om dit bericht te bewerken is voorbij.', 'saying why')
  const res = await visitor.submit(url, `/post/${ids[1]}/edit`, { body: 'Te laat' })
  t.equal(res.statusCode, 403, 'the edit is refused')
  t.same(await postRow(app, ids[1]), { body_md: 'Reactie 1', body_html: '<p>Reactie 1</p>\n', edited_at: null }, 'nothing changed')
})

t.test('the edit window is a setting', async t => {
  const { app, ids, visitor, url } = await setup(t, 2 * 3600_000, { name: 'anna' })
  app.settings.edit_window_minutes = 180
  const res = await visitor.submit(url, `/post/${ids[1]}/edit`, { body: 'Binnen drie uur' })
  t.equal(res.statusCode, 303, 'a two-hour-old post is editable with a three-hour window')
})

t.test('a bijdrager may edit an old own post', async t => {
  const { app, ids, visitor, url } = await setup(t, 2 * 3600_000, { name: 'anna' })
  await app.db.updateTable('users').set({ role: 'bijdrager' }).where('username', '=', 'anna').execute()
  const res = await visitor.submit(url, `/post/${ids[1]}/edit`, { body: 'Later aangevuld' })
  t.equal(res.statusCode, 303)
  t.equal((await postRow(app, ids[1])).body_md, 'Later aangevuld', 'the new text is stored')
})

t.test("a lid may not edit someone else's post", async t => {
  const { app, ids, visitor, url } = await setup(t, 5 * MINUTE, { name: 'piet' })
  t.notMatch((await visitor.get(url)).body, '/edit"', 'no edit links')
  t.equal((await visitor.get(`/post/${ids[1]}/edit`)).statusCode, 403, 'the edit form is refused')
  const res = await visitor.submit(url, `/post/${ids[1]}/edit`, { body: 'Overgenomen' })
  t.equal(res.statusCode, 403, 'the edit is refused')
  t.match(res.body, 'Je kunt alleen je eigen berichten bewerken.', 'saying why')
  t.equal((await postRow(app, ids[1])).body_md, 'Reactie 1', 'nothing changed')
})

t.test('a guest is sent to the login page', async t => {
  const { app, ids } = await setup(t, 5 * MINUTE, { name: 'anna' })
  const guest = new Visitor(app)
  const form = await guest.get(`/post/${ids[1]}/edit`)
  t.match(form.statusCode, /^30[23]$/, 'the edit form redirects')
  t.equal(form.headers.location, `/login?next=${encodeURIComponent(`/post/${ids[1]}/edit`)}`, 'to login, coming back after')
  const res = await guest.submit('/login', `/post/${ids[1]}/edit`, { body: 'Anoniem' })
  t.equal(res.statusCode, 303, 'a posted edit redirects')
  t.match(res.headers.location, /^\/login/, 'to login')
  t.equal((await postRow(app, ids[1])).body_md, 'Reactie 1', 'nothing changed')
})

t.test("a moderator may edit anyone's post, also an old one and its title", async t => {
  const { app, topic, ids, visitor, url } = await setup(t, 2 * 3600_000, { name: 'mod', role: 'moderator' })
  t.match((await visitor.get(url)).body, `href="/post/${ids[0]}/edit"`, 'edit links for a moderator')
  const form = await visitor.get(`/post/${ids[0]}/edit`)
  t.equal(titleInputOf(form.body), 'Een vraag over verlof', "the first post's form holds the title")
  const res = await visitor.submit(`/post/${ids[0]}/edit`, `/post/${ids[0]}/edit`, { title: 'Verlof (opgeschoond)', body: 'Opgeschoond' })
  t.equal(res.statusCode, 303)
  t.equal((await postRow(app, ids[0])).body_md, 'Opgeschoond', 'the body changed')
  const row = await app.db.selectFrom('topics').select('title').where('id', '=', topic.id).executeTakeFirstOrThrow()
  t.equal(row.title, 'Verlof (opgeschoond)', 'the title changed')
  t.equal(res.headers.location, `/topic/verlof-opgeschoond#post-${ids[0]}`, 'to the post at its new slug')
  const reply = await visitor.submit(`/post/${ids[1]}/edit`, `/post/${ids[1]}/edit`, { body: 'Ook deze' })
  t.equal(reply.statusCode, 303, 'a reply too')
})

t.test('an invalid edit answers 400 with the typed text kept', async t => {
  const { app, topic, ids, visitor } = await setup(t, 5 * MINUTE, { name: 'anna' })
  const edit = `/post/${ids[0]}/edit`
  const empty = await visitor.submit(edit, edit, { title: 'Nieuwe titel', body: '  ' })
  t.equal(empty.statusCode, 400, 'an empty body')
  t.equal(textOfClass(empty.body, 'field-error'), 'Het bericht is leeg.', 'the error next to the field')
  t.equal(titleInputOf(empty.body), 'Nieuwe titel', 'the typed title is kept')

  const short = await visitor.submit(edit, edit, { title: ' ab ', body: 'Tekst met <b> & "aanhalingstekens"' })
  t.equal(short.statusCode, 400, 'a title under 3 characters')
  t.equal(textOfClass(short.body, 'field-error'), 'De titel moet minstens 3 tekens hebben.')
  t.equal(textareaOf(short.body), 'Tekst met <b> & "aanhalingstekens"', 'the typed body is kept, escaped')
  t.equal(titleInputOf(short.body), ' ab ', 'the typed title is kept')

  const long = await visitor.submit(`/post/${ids[1]}/edit`, `/post/${ids[1]}/edit`, { body: 'Lang ' + 'x'.repeat(60_000) })
  t.equal(long.statusCode, 400, 'a body over 60,000 characters')
  t.match(textareaOf(long.body), /^Lang xxxx/, 'the typed body is kept')

  t.equal((await postRow(app, ids[0])).body_md, 'Eerste bericht', 'the first post is unchanged')
  t.equal((await postRow(app, ids[1])).body_md, 'Reactie 1', 'the reply is unchanged')
  const row = await app.db.selectFrom('topics').select('title').where('id', '=', topic.id).executeTakeFirstOrThrow()
  t.equal(row.title, 'Een vraag over verlof', 'the title is unchanged')
  t.same(postIds((await visitor.get(`/topic/${topic.slug}`)).body), ids, 'the topic still shows both posts')
})
