import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import type { Topic, User } from '../../src/db/schema.js'
import { createReply, renderPostBody } from '../../src/models/posts.js'
import { buildTestApp, Visitor, csrfToken, decodeEntities, textOfClass, postIds } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'

async function addReply (app: FastifyInstance, topic: Topic, author: User, text: string): Promise<number> {
  const post = await createReply(app.db, { topicId: topic.id, authorId: author.id, bodyMd: text, bodyHtml: await renderPostBody(app.db, text, author) })
  return post.id
}

/** The HTML of one post's article. */
function articleOf (html: string, id: number): string {
  return new RegExp(`<article id="post-${id}" class="post[^"]*"[^>]*>[\\s\\S]*?</article>`).exec(html)?.[0] ?? ''
}

const countPosts = async (app: FastifyInstance): Promise<number> =>
  Number((await app.db.selectFrom('posts').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)

/** A forum "Algemeen", member anna (lid) with a topic of `existing` posts, and piet (lid) logged in. */
async function setup (t: Test, existing = 1, role: User['role'] = 'lid') {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const anna = await makeMember(app, 'anna')
  const piet = await makeMember(app, 'piet', role)
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: anna, replies: existing - 1 })
  const visitor = new Visitor(app)
  await visitor.login('piet', PASSWORD)
  return { app, forum, topic, ids, piet, visitor, url: `/topic/${topic.slug}` }
}

t.test('a topic page shows its title, forum and each post with author, role, date, permalink and body', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const members = {
    anna: await makeMember(app, 'anna', 'lid'),
    bob: await makeMember(app, 'bob', 'bijdrager'),
    carla: await makeMember(app, 'carla', 'moderator'),
    dirk: await makeMember(app, 'dirk', 'beheerder')
  }
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: members.anna })
  ids.push(await addReply(app, topic, members.bob, 'Antwoord van **bob**'))
  ids.push(await addReply(app, topic, members.carla, 'Antwoord van carla'))
  ids.push(await addReply(app, topic, members.dirk, 'Antwoord van dirk'))

  const res = await new Visitor(app).get('/topic/een-vraag-over-verlof')
  t.equal(res.statusCode, 200)
  t.equal(textOfClass(res.body, 'topic-title'), 'Een vraag over verlof', 'the title')
  t.equal(textOfClass(res.body, 'topic-forum'), 'Geplaatst in Algemeen', '"Geplaatst in" the forum')
  t.match(res.body, /<p class="topic-forum">[^<]*<a href="\/forum\/algemeen">Algemeen<\/a>/, 'linking to the forum')
  t.same(postIds(res.body), ids, 'all posts, oldest first')

  const expected = [['anna', 'Lid', 'Eerste bericht'], ['bob', 'Bijdrager', 'Antwoord van bob'], ['carla', 'Moderator', 'Antwoord van carla'], ['dirk', 'Beheerder', 'Antwoord van dirk']]
  const posts = await app.db.selectFrom('posts').select(['id', 'created_at']).orderBy('position').execute()
  expected.forEach(([author, role, body], i) => {
    const article = articleOf(res.body, ids[i])
    t.match(article, `<article id="post-${ids[i]}" class="post">`, `post ${i + 1} is an article with id post-${ids[i]}`)
    t.match(article, `<a class="post-author-name" href="/user/${author}">${author}</a>`, `post ${i + 1}: author linked to the profile`)
    t.equal(textOfClass(article, 'post-role'), role, `post ${i + 1}: role label ${role}`)
    t.match(article, `<time datetime="${new Date(posts[i].created_at).toISOString()}"`, `post ${i + 1}: a machine-readable date`)
    t.equal(textOfClass(article, 'post-permalink'), `#${ids[i]}`, `post ${i + 1}: permalink #${ids[i]}`)
    t.match(article, `href="/post/${ids[i]}"`, `post ${i + 1}: the permalink points at the post`)
    t.equal(textOfClass(article, 'post-body'), body, `post ${i + 1}: the body`)
  })
  t.match(articleOf(res.body, ids[1]), '<strong>bob</strong>', 'Markdown is rendered')
})

t.test('guests are asked to log in where the reply form would be', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const { topic } = await makeTopic(app, { forumId: forum.id, author: await makeMember(app, 'anna'), replies: 10 })
  const guest = new Visitor(app)
  for (const path of [`/topic/${topic.slug}`, `/topic/${topic.slug}/page/2`]) {
    const res = await guest.get(path)
    const notice = /<p class="notice login-notice">[\s\S]*?<\/p>/.exec(res.body)?.[0] ?? ''
    t.match(textOfClass(res.body, 'login-notice'), 'Je moet ingelogd zijn om een reactie op dit onderwerp te kunnen geven.', `${path}: the notice`)
    const href = decodeEntities(/href="([^"]*)"/.exec(notice)?.[1] ?? '')
    t.equal(href, `/login?next=${encodeURIComponent(path)}`, `${path}: the login link comes back to the topic`)
    t.notMatch(res.body, `action="/topic/${topic.slug}/reply"`, `${path}: no reply form`)
  }
  const loginForm = await guest.get(`/login?next=${encodeURIComponent(`/topic/${topic.slug}/page/2`)}`)
  const next = decodeEntities(/name="next" value="([^"]*)"/.exec(loginForm.body)?.[1] ?? '')
  t.equal(next, `/topic/${topic.slug}/page/2`, 'the login form carries the way back')
  const login = await guest.submit('/login', '/login', { login: 'anna', password: PASSWORD, next })
  t.equal(login.headers.location, `/topic/${topic.slug}/page/2`, 'after login the member is back at the topic')
})

t.test('members see the reply form and no guest notice', async t => {
  const { visitor, url, topic } = await setup(t)
  const res = await visitor.get(url)
  const form = new RegExp(`<form method="post" action="/topic/${topic.slug}/reply"[\\s\\S]*?</form>`).exec(res.body)?.[0] ?? ''
  t.ok(form, 'a form posting to the reply URL')
  t.ok(csrfToken(form), 'with a hidden _csrf field')
  t.match(form, /<textarea[^>]*name="body"/, 'and a body field')
  t.notMatch(res.body, 'Je moet ingelogd zijn', 'no guest notice')
})

t.test('hidden posts are absent for members and greyed out for moderators', async t => {
  const { app, ids, visitor, url } = await setup(t, 3)
  await makeMember(app, 'mod', 'moderator')
  const mod = new Visitor(app)
  await mod.login('mod', PASSWORD)
  const hide = await mod.submit(url, `/post/${ids[1]}/moderate`, { action: 'hide', reason: 'Off-topic' })
  t.equal(hide.statusCode, 303, 'a moderator hides a post')
  for (const [who, viewer] of [['a guest', new Visitor(app)], ['a member', visitor]] as const) {
    const page = await viewer.get(url)
    t.same(postIds(page.body), [ids[0], ids[2]], `${who} does not see the hidden post`)
    t.equal(textOfClass(page.body, 'pagination-count'), '2 berichten aan het bekijken - 1 tot 2 (van in totaal 2)', `${who} counts the visible posts`)
    t.equal((await viewer.get(`/post/${ids[1]}`)).statusCode, 404, `${who} gets 404 for its permalink`)
  }
  const page = await mod.get(url)
  t.same(postIds(page.body), ids, 'a moderator sees it')
  t.match(page.body, `<article id="post-${ids[1]}" class="post post-hidden">`, 'marked as hidden')
})

t.test('a hidden topic is not found', async t => {
  const { app, topic, url } = await setup(t)
  await app.db.updateTable('topics').set({ hidden: 1 }).where('id', '=', topic.id).execute()
  t.equal((await new Visitor(app).get(url)).statusCode, 404)
})

for (const existing of [9, 10, 20]) {
  t.test(`a reply after ${existing} posts lands on the page that holds it`, async t => {
    const { app, forum, topic, piet, visitor, url } = await setup(t, existing)
    const res = await visitor.submit(url, `${url}/reply`, { body: 'Mijn **antwoord**' })
    const post = await app.db.selectFrom('posts').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow()
    const page = Math.ceil((existing + 1) / 10)
    t.equal(res.statusCode, 303)
    t.equal(res.headers.location, `${url}${page === 1 ? '' : `/page/${page}`}#post-${post.id}`, `303 to page ${page}`)
    t.equal(post.position, existing + 1, 'stored with the next position')
    t.equal(post.author_id, piet.id, 'by the replier')
    t.equal(post.body_md, 'Mijn **antwoord**', 'with the Markdown source')
    t.match(post.body_html, '<strong>antwoord</strong>', 'and the rendered HTML')
    const shown = await visitor.get(res.headers.location!.split('#')[0])
    t.equal(postIds(shown.body).at(-1), post.id, 'the page shows the reply last')

    const topicRow = await app.db.selectFrom('topics').selectAll().where('id', '=', topic.id).executeTakeFirstOrThrow()
    t.same([topicRow.post_count, topicRow.reply_count, topicRow.last_post_id], [existing + 1, existing, post.id], 'topic counts and last post')
    t.equal(topicRow.last_post_at, post.created_at, 'topic last activity')
    const forumRow = await app.db.selectFrom('forums').selectAll().where('id', '=', forum.id).executeTakeFirstOrThrow()
    t.same([forumRow.post_count, forumRow.topic_count, forumRow.last_post_id], [existing + 1, 1, post.id], 'forum counts and last post')
    const user = await app.db.selectFrom('users').select('post_count').where('id', '=', piet.id).executeTakeFirstOrThrow()
    t.equal(user.post_count, 1, 'the replier has one post more')
  })
}

t.test('a guest reply with a valid guest token goes to login and stores nothing', async t => {
  const { app, url } = await setup(t)
  const guest = new Visitor(app)
  const res = await guest.submit('/login', `${url}/reply`, { body: 'Als gast' })
  t.equal(res.statusCode, 303)
  t.match(res.headers.location, /^\/login/, 'to the login page')
  t.equal(await countPosts(app), 1, 'nothing stored')
})

t.test('an invalid reply answers 400 with the typed text kept, storing nothing', async t => {
  const { app, visitor, url } = await setup(t)
  const empty = await visitor.submit(url, `${url}/reply`, { body: '   ' })
  t.equal(empty.statusCode, 400, 'a blank body')
  t.equal(textOfClass(empty.body, 'field-error'), 'Het bericht is leeg.', 'the error next to the field')
  t.match(empty.body, /<textarea[^>]*name="body"[^>]*>   <\/textarea>/, 'the typed text is kept')
  t.equal((await visitor.submit(url, `${url}/reply`, { body: '' })).statusCode, 400, 'an empty body')

  const long = 'Mijn lange verhaal ' + 'x'.repeat(60_000)
  const tooLong = await visitor.submit(url, `${url}/reply`, { body: long })
  t.equal(tooLong.statusCode, 400, 'over 60,000 characters')
  t.equal(textOfClass(tooLong.body, 'field-error'), 'Het bericht mag hoogstens 60.000 tekens hebben.')
  t.match(tooLong.body, /<textarea[^>]*name="body"[^>]*>Mijn lange verhaal xxxxxxxxxx/, 'the typed text is kept')
  t.equal(await countPosts(app), 1, 'nothing stored')

  const max = await visitor.submit(url, `${url}/reply`, { body: 'é'.repeat(60_000) })
  t.equal(max.statusCode, 303, 'exactly 60,000 characters is fine')
})

t.test('a reply without a valid CSRF token answers 403 and stores nothing', async t => {
  const { app, visitor, url } = await setup(t)
  const missing = await visitor.postRaw(`${url}/reply`, { body: 'Zonder token' })
  t.equal(missing.statusCode, 403, 'no token')
  const wrong = await visitor.postRaw(`${url}/reply`, { _csrf: 'not-a-token', body: 'Verkeerd token' })
  t.equal(wrong.statusCode, 403, 'a wrong token')
  const foreign = await new Visitor(app).get('/login')
  const other = await visitor.postRaw(`${url}/reply`, { _csrf: csrfToken(foreign.body)!, body: 'Token van een ander' })
  t.equal(other.statusCode, 403, 'a token from another visitor')
  t.equal(await countPosts(app), 1, 'nothing stored')
})

t.test('a locked topic says so and only takes replies from moderators', async t => {
  const { app, topic, visitor, url } = await setup(t)
  await app.db.updateTable('topics').set({ locked: 1 }).where('id', '=', topic.id).execute()
  const page = await visitor.get(url)
  t.equal(textOfClass(page.body, 'notice-locked'), 'Dit onderwerp is gesloten voor nieuwe reacties.', 'the topic page says it is locked')
  t.notMatch(page.body, `action="${url}/reply"`, 'no reply form for a lid')
  t.equal(textOfClass((await new Visitor(app).get(url)).body, 'notice-locked'), 'Dit onderwerp is gesloten voor nieuwe reacties.', 'guests see it too')

  const refused = await visitor.submit(url, `${url}/reply`, { body: 'Toch nog even' })
  t.equal(refused.statusCode, 403, 'a lid is refused')
  t.match(refused.body, 'Dit onderwerp is gesloten voor nieuwe reacties.', 'with the reason')
  t.equal(await countPosts(app), 1, 'nothing stored')

  await makeMember(app, 'mod', 'moderator')
  const mod = new Visitor(app)
  await mod.login('mod', PASSWORD)
  t.match((await mod.get(url)).body, `action="${url}/reply"`, 'a moderator gets the form')
  const allowed = await mod.submit(url, `${url}/reply`, { body: 'Slotwoord van de moderator' })
  t.equal(allowed.statusCode, 303, 'a moderator may reply')
  t.equal(await countPosts(app), 2, 'and the reply is stored')
})
