import t from 'tap'
import { buildTestApp, Visitor, textOfClass, postIds } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'

t.test('a member logs in, replies, and lands on the page with the reply', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const { topic } = await makeTopic(app, { forumId: forum.id, author: jan, replies: 10 })
  const visitor = new Visitor(app)
  await visitor.login('jan', PASSWORD)
  const res = await visitor.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Mijn **antwoord**' })
  t.equal(res.statusCode, 303)
  const id = await app.db.selectFrom('posts').select(eb => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()
  t.equal(res.headers.location, `/topic/${topic.slug}/page/2#post-${id.id}`)
  const page = await visitor.get(`/topic/${topic.slug}/page/2`)
  t.equal(textOfClass(page.body, 'pagination-count'), '2 berichten aan het bekijken - 11 tot 12 (van in totaal 12)')
  t.same(postIds(page.body).length, 2)
})
