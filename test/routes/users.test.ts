import t from 'tap'
import type { Role } from '../../src/db/schema.js'
import { renumberTopic } from '../../src/models/recount.js'
import { buildTestApp, insertPosts, textOfClass, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'

/** The inner HTML of the <dd> after the <dt> with this text in the profile's list. */
function definition (html: string, term: string): string | undefined {
  return new RegExp(`<dt>${term}</dt>\\s*<dd[^>]*>([\\s\\S]*?)</dd>`).exec(html)?.[1].trim()
}

/** Post ids the "latest posts" list links to, in page order. */
function latestPostLinks (html: string): number[] {
  const list = /<ul class="recent-posts">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? ''
  return [...list.matchAll(/<a href="\/post\/(\d+)">/g)].map(m => Number(m[1]))
}

t.test('the profile shows each role by its label', async t => {
  const app = await buildTestApp(t)
  const labels: Record<Role, string> = { lid: 'Lid', bijdrager: 'Bijdrager', moderator: 'Moderator', beheerder: 'Beheerder' }
  for (const [role, label] of Object.entries(labels)) {
    await makeMember(app, `m-${role}`, role as Role)
    const res = await new Visitor(app).get(`/user/m-${role}`)
    t.equal(res.statusCode, 200)
    t.equal(textOfClass(res.body, 'profile-role'), label, `${role} is shown as ${label}`)
  }
})

t.test('the profile shows when the member joined, how many posts, and the latest posts', async t => {
  const app = await buildTestApp(t)
  const joined = Date.UTC(2024, 2, 5, 9, 30)
  const jan = await makeMember(app, 'jan', 'lid', { now: joined })
  const forum = await makeForum(app)
  const first = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Verlof', replies: 2, now: Date.now() - 3 * 3600_000 })
  const second = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Thuiswerken', now: Date.now() - 3600_000 })
  const visitor = new Visitor(app)
  const res = await visitor.get('/user/jan')
  t.equal(res.statusCode, 200)
  t.match(res.body, /<h1>jan<\/h1>/)
  t.match(res.body, /<title>jan – Kring<\/title>/)
  t.match(definition(res.body, 'Lid sinds'), `<time datetime="${new Date(joined).toISOString()}"`, 'Lid sinds, as a machine-readable time')
  t.match(definition(res.body, 'Lid sinds'), />5 maart 2024<\/time>/, 'and the date itself (before: "1 minuut geleden")')
  t.equal(definition(res.body, 'Berichten'), '4', 'two first posts and two replies')
  t.same(latestPostLinks(res.body), [...second.ids, ...first.ids.slice().reverse()], 'newest first')
  t.match(res.body, '>Thuiswerken</a>')

  const permalink = await visitor.get(`/post/${first.ids[1]}`)
  t.equal(permalink.statusCode, 302, 'a latest-post link leads to the post')
  t.match(permalink.headers.location, new RegExp(`#post-${first.ids[1]}$`))
})

t.test('a member without posts sees an empty list, and counts are formatted for the language', async t => {
  const app = await buildTestApp(t)
  const piet = await makeMember(app, 'piet')
  let res = await new Visitor(app).get('/user/piet')
  t.equal(definition(res.body, 'Berichten'), '0')
  t.equal(textOfClass(res.body, 'empty'), 'Nog geen berichten.')
  t.same(latestPostLinks(res.body), [])
  // The count is of the posts this reader may read: 1,234 of them, written straight into the database.
  const forum = await makeForum(app)
  const { topic } = await makeTopic(app, { forumId: forum.id, author: piet })
  await insertPosts(app, Array.from({ length: 1233 }, (_, i) => ({ topic_id: topic.id, author_id: piet.id, position: i + 2, visible_position: i + 2, body_md: 'x', body_html: 'x', created_at: Date.now(), fanned_out: 1 })))
  res = await new Visitor(app).get('/user/piet')
  t.equal(definition(res.body, 'Berichten'), '1.234')
})

t.test('the latest posts stop at ten, leave out hidden posts and topics, and escape titles', async t => {
  const app = await buildTestApp(t)
  const jan = await makeMember(app, 'jan')
  const forum = await makeForum(app)
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, title: '<script>alert(1)</script> vraag', replies: 12 })
  const hidden = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Verborgen onderwerp' })
  await app.db.updateTable('topics').set({ hidden: 1 }).where('id', '=', hidden.topic.id).execute()
  await app.db.updateTable('posts').set({ hidden: 1 }).where('id', '=', ids[12]).execute()
  await renumberTopic(app.db, topic.id) // what hiding a post does after setting the flag

  const res = await new Visitor(app).get('/user/jan')
  const links = latestPostLinks(res.body)
  t.equal(links.length, 10)
  t.same(links, ids.slice(2, 12).reverse(), 'the ten newest visible posts')
  t.notOk(links.includes(hidden.ids[0]), 'not the post in the hidden topic')
  t.notMatch(res.body, 'Verborgen onderwerp')
  t.notMatch(res.body, '<script>alert(1)</script>')
  t.match(res.body, '&lt;script&gt;alert(1)&lt;/script&gt; vraag')
})

t.test('usernames are looked up without regard to case; an unknown member is 404', async t => {
  const app = await buildTestApp(t)
  await makeMember(app, 'Jan.de-Vries')
  const visitor = new Visitor(app)
  for (const name of ['Jan.de-Vries', 'jan.de-vries', 'JAN.DE-VRIES']) {
    const res = await visitor.get(`/user/${name}`)
    t.equal(res.statusCode, 200, name)
    t.match(res.body, '<h1>Jan.de-Vries</h1>', 'shown as registered')
  }
  for (const name of ['nobody', 'Jan', '%3Cscript%3E']) {
    const res = await visitor.get(`/user/${name}`)
    t.equal(res.statusCode, 404, name)
    t.equal(textOfClass(res.body, 'error-reason'), 'Deze pagina bestaat niet (meer).')
  }
})
