import t from 'tap'
import { buildTestApp, loggedIn, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'

// What a new member ran into, trying Kring (issue 10's "found when tried as a new user would").

t.test('the edit form\'s breadcrumb names the forum; a topic page lets keyboard users jump to the reply form', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app, 'Arbeidsvoorwaarden')
  const jan = await makeMember(app, 'jan')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, replies: 9, now: Date.now() - 60_000 })
  const visitor = await loggedIn(app, 'jan')
  const edit = await visitor.get(`/post/${ids[0]}/edit`)
  t.match(edit.body, /<nav class="breadcrumbs"[^>]*>[\s\S]*href="\/forum\/arbeidsvoorwaarden">Arbeidsvoorwaarden<\/a>[\s\S]*<\/nav>/, 'Forums › forum › topic')
  const page = await visitor.get(`/topic/${topic.slug}`)
  const jump = /<a class="jump-to-reply" href="#([^"]+)">Reageren<\/a>/.exec(page.body)
  t.ok(jump, 'a "Reageren" link at the top')
  t.match(page.body, new RegExp(`id="${jump?.[1]}"[^>]*>Reageer op dit onderwerp</h2>\\s*<form method="post" action="/topic/${topic.slug}/reply"`), 'leading to the reply form')
  t.ok(page.body.indexOf('jump-to-reply') < page.body.indexOf('class="posts"'), 'before the posts')
  t.notMatch((await new Visitor(app).get(`/topic/${topic.slug}`)).body, 'jump-to-reply', 'not for a guest, who has no form')
})

t.test('a hidden topic stays in its forum\'s list for its moderators, marked; for members it is gone', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app, 'Algemeen')
  const jan = await makeMember(app, 'jan')
  await makeMember(app, 'mod', 'moderator')
  const { topic } = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Een ruzie over roosters' })
  await makeTopic(app, { forumId: forum.id, author: jan, title: 'Gewone vraag' })
  const mod = await loggedIn(app, 'mod')
  t.equal((await mod.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/moderate`, { action: 'hide', reason: 'ruzie' })).statusCode, 303)
  const forModerator = await mod.get(`/forum/${forum.slug}`)
  t.match(forModerator.body, /<tr class="topic-row topic-hidden">[\s\S]*?Verborgen[\s\S]*?Een ruzie over roosters/, 'listed and marked')
  t.match(forModerator.body, 'Gewone vraag')
  const forMember = await (await loggedIn(app, 'jan')).get(`/forum/${forum.slug}`)
  t.notMatch(forMember.body, 'Een ruzie over roosters', 'gone for members')
  t.notMatch((await new Visitor(app).get(`/forum/${forum.slug}`)).body, 'Een ruzie over roosters', 'and guests')
})
