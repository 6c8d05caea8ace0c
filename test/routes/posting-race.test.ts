import t from 'tap'
import { buildTestApp, Visitor, csrfToken } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'

t.test('two replies sent at once by a lid: the posting limit lets one through', async t => {
  const app = await buildTestApp(t, {}, {}) // the real posting limits
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan', 'lid', { now: Date.now() - 30 * 86400_000 })
  const { topic } = await makeTopic(app, { forumId: forum.id, author: jan })
  await app.db.updateTable('users').set({ last_post_at: null }).execute()
  const visitor = new Visitor(app)
  await visitor.login('jan', PASSWORD)
  const token = csrfToken((await visitor.get(`/topic/${topic.slug}`)).body)!

  const answers = await Promise.all(['tegelijk een', 'tegelijk twee', 'tegelijk drie'].map(body =>
    visitor.postRaw(`/topic/${topic.slug}/reply`, { _csrf: token, body })))
  const statuses = answers.map(a => a.statusCode).sort()
  t.same(statuses, [303, 429, 429], 'one stored, the others asked to wait')
  for (const refused of answers.filter(a => a.statusCode === 429)) {
    t.ok(refused.headers['retry-after'], 'with Retry-After')
    t.match(refused.body, /tegelijk (een|twee|drie)<\/textarea>/, 'and the typed text back in the form')
  }
  const replies = await app.db.selectFrom('posts').select('body_md').where('position', '>', 1).execute()
  t.equal(replies.length, 1, 'one reply in the database')
})
