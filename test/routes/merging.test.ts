import t, { type Test } from 'tap'
import { buildTestApp, csrfToken, postIds, textOfClass, allTextOfClass, Visitor, loggedIn, countsHold } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'

async function setup (t: Test) {
  const app = await buildTestApp(t)
  const algemeen = await makeForum(app)
  const noord = await makeForum(app, 'Regio Noord')
  const jan = await makeMember(app, 'jan')
  const piet = await makeMember(app, 'piet')
  await makeMember(app, 'mod', 'moderator')
  const now = Date.now() - 10 * 3600_000
  // The duplicate was started later than the original, and got two replies of its own.
  const original = await makeTopic(app, { forumId: algemeen.id, author: jan, title: 'Verlof in de zomer', replies: 2, now })
  const duplicate = await makeTopic(app, { forumId: noord.id, author: piet, title: 'Zomerverlof regelen', replies: 2, replier: jan, now: now + 3600_000 })
  return { app, algemeen, noord, original, duplicate, mod: await loggedIn(app, 'mod') }
}

t.test('a whole duplicate topic merges into another: every post in date order, the old URL redirects, both sides say so', async t => {
  const { app, algemeen, noord, original, duplicate, mod } = await setup(t)
  const from = `/topic/${duplicate.topic.slug}`
  const response = await mod.submit(from, `${from}/moderate`, { action: 'merge', target: `https://forum.example.org/topic/${original.topic.slug}`, reason: 'dubbel' })
  t.equal(response.statusCode, 303)
  t.equal(response.headers.location, `/post/${duplicate.ids[0]}`, 'lands on the merged posts, not on page 1')
  const landing = await mod.get(String(response.headers.location))
  t.equal(landing.headers.location, `/topic/${original.topic.slug}#post-${duplicate.ids[0]}`)

  const positions = await app.db.selectFrom('posts').select(['id', 'position']).where('topic_id', '=', original.topic.id).orderBy('position').execute()
  t.same(positions.map(p => p.id), [...original.ids, ...duplicate.ids], 'all six posts, the original first, then by date')
  t.same(positions.map(p => p.position), [1, 2, 3, 4, 5, 6], 'numbered without gaps')
  t.notOk(await app.db.selectFrom('topics').select('id').where('id', '=', duplicate.topic.id).executeTakeFirst(), 'the duplicate is gone')
  const old = await new Visitor(app).get(from)
  t.equal(old.statusCode, 301, 'the old URL answers 301')
  t.equal(old.headers.location, `/topic/${original.topic.slug}`)
  const counts = await app.db.selectFrom('forums').select(['slug', 'topic_count', 'post_count']).orderBy('id').execute()
  t.same(counts, [{ slug: algemeen.slug, topic_count: 1, post_count: 6 }, { slug: noord.slug, topic_count: 0, post_count: 0 }])
  await countsHold(t, app, 'that')

  const page = await new Visitor(app).get(`/topic/${original.topic.slug}`)
  t.match(textOfClass(page.body, 'moderation-notice'), 'Het onderwerp „Zomerverlof regelen” (3 berichten) is hiermee samengevoegd door mod op')
  t.match(textOfClass(page.body, 'moderation-notice'), 'Reden: dubbel', 'with the reason')
  const log = await mod.get('/moderation/log')
  t.match(log.body, 'Samengevoegd')
  t.match(log.body, 'het hele onderwerp „Zomerverlof regelen” hierin')
})

t.test('merging chosen replies and splitting leave a note in both topics', async t => {
  const { app, original, duplicate, mod } = await setup(t)
  const token = csrfToken((await mod.get('/')).body)!
  const post = (url: string, fields: Array<[string, string]>) => app.inject({
    method: 'POST', url, headers: { cookie: mod.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams([...fields, ['_csrf', token]]).toString()
  })
  const from = `/topic/${duplicate.topic.slug}`
  const nothingChosen = await post(`${from}/moderate`, [['action', 'merge'], ['chosen', '1'], ['target', original.topic.slug]])
  t.equal(nothingChosen.statusCode, 400, 'the tools form with no post chosen does not merge the whole topic')
  const merged = await post(`${from}/moderate`, [['action', 'merge'], ['chosen', '1'], ['target', original.topic.slug], ['posts', String(duplicate.ids[1])], ['posts', String(duplicate.ids[2])], ['reason', 'hoort daar']])
  t.equal(merged.statusCode, 303)
  t.equal(merged.headers.location, `/post/${duplicate.ids[1]}`, 'lands on the first moved post')
  const source = await new Visitor(app).get(from)
  t.match(textOfClass(source.body, 'moderation-notice'), /^2 berichten verplaatst naar Verlof in de zomer door mod op .* Reden: hoort daar$/)
  t.match(source.body, `href="/topic/${original.topic.slug}"`)
  const target = await new Visitor(app).get(`/topic/${original.topic.slug}`)
  t.match(textOfClass(target.body, 'moderation-notice'), /^2 berichten hierheen verplaatst uit Zomerverlof regelen door mod/)
  await countsHold(t, app, 'that')

  const split = await post(`/topic/${original.topic.slug}/moderate`, [['action', 'split'], ['title', 'Zomerrooster'], ['posts', String(original.ids[2])]])
  t.equal(split.statusCode, 303)
  const created = await new Visitor(app).get('/topic/zomerrooster')
  t.match(textOfClass(created.body, 'moderation-notice'), /^Afgesplitst uit Verlof in de zomer \(1 bericht(en)?\) door mod/)
  const rest = await new Visitor(app).get(`/topic/${original.topic.slug}`)
  const restNotices = allTextOfClass(rest.body, 'moderation-notice')
  t.ok(restNotices.some(text => /^1 bericht verplaatst naar Zomerrooster/.test(text)), `the source says where they went: ${JSON.stringify(restNotices)}`)
  await countsHold(t, app, 'that')
})

t.test('readers see why a topic was closed or moved', async t => {
  const { app, original, mod } = await setup(t)
  const url = `/topic/${original.topic.slug}`
  await mod.submit(url, `${url}/moderate`, { action: 'lock', reason: 'De vraag is beantwoord' })
  await mod.submit(url, `${url}/moderate`, { action: 'move', forum: 'regio-noord', reason: 'Gaat over het noorden' })
  const page = await new Visitor(app).get(url)
  const notices = allTextOfClass(page.body, 'moderation-notice')
  t.ok(notices.some(text => /^Gesloten door mod op .* Reden: De vraag is beantwoord$/.test(text)), 'the close, with its reason')
  t.ok(notices.some(text => /^Verplaatst van Algemeen naar Regio Noord door mod op .* Reden: Gaat over het noorden$/.test(text)), 'the move, with forum names and reason')
  await mod.submit(url, `${url}/moderate`, { action: 'unlock' })
  t.notOk(allTextOfClass((await new Visitor(app).get(url)).body, 'moderation-notice').some(text => text.startsWith('Gesloten')), 'reopened: no close notice')
  t.same(postIds(page.body), original.ids)
})
