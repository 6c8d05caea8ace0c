import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { allTextOfClass, buildTestApp, decodeEntities, loggedIn, postIds, textOfClass, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'

// Writing: deleting posts, "Nuttig", quoting, drafts (issue 10).

const RECENT = (): number => Date.now() - 60_000

const postsInDb = async (app: FastifyInstance, topicId: number) =>
  app.db.selectFrom('posts').select(['id', 'position', 'visible_position', 'body_md', 'deleted_at']).where('topic_id', '=', topicId).orderBy('position').execute()

const searchHits = async (visitor: Visitor, q: string): Promise<string> => (await visitor.get(`/search?q=${encodeURIComponent(q)}`)).body

t.test('an author deletes a reply within the edit window: it keeps its place and number, its text is gone everywhere but the revisions', async t => {
  const app = await buildTestApp(t, {}, { limit_lid_seconds: 0, limit_bijdrager_seconds: 0, posts_per_page: 2 } as never)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  await makeMember(app, 'piet')
  await makeMember(app, 'mod', 'moderator')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Verlof in de zomer', now: RECENT() })
  const piet = await loggedIn(app, 'piet')
  for (const body of ['Ik vind zeepbelvormige roosters onhandig', 'Tweede reactie', 'Derde reactie']) {
    t.equal((await piet.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body })).statusCode, 303)
  }
  const [, doomed] = (await postsInDb(app, topic.id)).map(post => post.id)
  t.match(await searchHits(piet, 'zeepbelvormige'), `/post/${doomed}`, 'found before')
  const before = await piet.get(`/topic/${topic.slug}/page/2`)

  const deleted = await piet.submit(`/topic/${topic.slug}`, `/post/${doomed}/delete`, {})
  t.equal(deleted.statusCode, 303)
  t.match(String(deleted.headers.location), `#post-${doomed}`, 'back to where the post was')
  const page1 = await piet.get(`/topic/${topic.slug}`)
  t.same(postIds(page1.body), [ids[0], doomed], 'the post keeps its place')
  t.match(page1.body, new RegExp(`<article id="post-${doomed}" class="post post-deleted"[\\s\\S]*?Dit bericht is verwijderd\\.`), '"Dit bericht is verwijderd."')
  t.notMatch(page1.body, 'zeepbelvormige', 'its text is gone from the page')
  t.equal(textOfClass((await piet.get(`/topic/${topic.slug}/page/2`)).body, 'pagination-count'), textOfClass(before.body, 'pagination-count'), 'numbering and pages do not shift')
  t.notMatch(await searchHits(piet, 'zeepbelvormige'), `/post/${doomed}`, 'gone from search')
  t.notMatch((await new Visitor(app).get(`/topic/${topic.slug}/feed`)).body, 'zeepbelvormige', 'gone from the feed')
  t.notMatch((await new Visitor(app).get('/feed')).body, 'zeepbelvormige', 'and the forum-wide feed')
  const row = (await postsInDb(app, topic.id)).find(post => post.id === doomed)!
  t.equal(row.body_md, '', 'not in the post row')
  t.ok(row.deleted_at)
  t.notOk(/Verwijderen/.test(textOfClass(page1.body.split(`id="post-${doomed}"`)[1], 'post-actions') ?? ''), 'a deleted post offers no delete again')
  t.equal((await piet.get(`/post/${doomed}/edit`)).statusCode, 403, 'nor an edit')

  const mod = await loggedIn(app, 'mod')
  const revisions = await mod.get(`/post/${doomed}/revisions`)
  t.match(revisions.body, 'zeepbelvormige', 'moderators read the text in its revisions')
  t.equal((await piet.get(`/post/${doomed}/revisions`)).statusCode, 403, 'members do not')
  t.match((await mod.get('/moderation/log')).body, 'Bericht verwijderd', 'the log holds the act')
  t.equal((await piet.submit(`/topic/${topic.slug}`, `/post/${doomed}/delete`, {})).statusCode, 403, 'deleting twice is refused')
})

t.test('who may delete what: the author within the window, a moderator always; a topic\'s first post deletes the topic', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const piet = await makeMember(app, 'piet')
  await makeMember(app, 'mod', 'moderator')
  const old = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Oud onderwerp', replies: 1, replier: piet, now: Date.now() - 2 * 3600_000 })
  const fresh = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Vers onderwerp', replies: 1, replier: piet, now: RECENT() })
  const alone = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Eenzaam onderwerp', now: RECENT() })
  const janV = await loggedIn(app, 'jan')
  const pietV = await loggedIn(app, 'piet')
  const mod = await loggedIn(app, 'mod')

  t.equal((await pietV.submit(`/topic/${old.topic.slug}`, `/post/${old.ids[1]}/delete`, {})).statusCode, 403, 'past the edit window')
  t.equal((await janV.submit(`/topic/${fresh.topic.slug}`, `/post/${fresh.ids[1]}/delete`, {})).statusCode, 403, 'someone else\'s post')
  t.equal((await janV.submit(`/topic/${fresh.topic.slug}`, `/post/${fresh.ids[0]}/delete`, {})).statusCode, 403, 'an opening post once somebody replied')
  t.equal((await new Visitor(app).postRaw(`/post/${fresh.ids[1]}/delete`, {})).statusCode, 403, 'a guest without a token')
  t.notMatch((await janV.get(`/topic/${fresh.topic.slug}`)).body, `action="/post/${fresh.ids[0]}/delete"`, 'the form is not offered where it is refused')

  const gone = await janV.submit(`/topic/${alone.topic.slug}`, `/post/${alone.ids[0]}/delete`, {})
  t.equal(gone.statusCode, 303, 'an author deletes their topic while nobody replied')
  t.equal(gone.headers.location, `/forum/${forum.slug}`, 'and lands on the forum')
  t.equal((await pietV.get(`/topic/${alone.topic.slug}`)).statusCode, 404, 'the topic is gone for members')
  t.notMatch((await pietV.get(`/forum/${forum.slug}`)).body, 'Eenzaam onderwerp', 'and from the list')
  t.equal((await app.db.selectFrom('forums').select('topic_count').where('id', '=', forum.id).executeTakeFirstOrThrow()).topic_count, 2, 'the forum counts two topics')

  t.equal((await mod.submit(`/topic/${old.topic.slug}`, `/post/${old.ids[1]}/delete`, { reason: 'off-topic' })).statusCode, 303, 'a moderator deletes any post')
  t.equal((await mod.submit(`/topic/${old.topic.slug}`, `/post/${old.ids[0]}/delete`, {})).statusCode, 303, 'and a topic with replies')
  t.equal((await pietV.get(`/topic/${old.topic.slug}`)).statusCode, 404)
  t.match((await mod.get(`/forum/${forum.slug}`)).body, /topic-hidden[\s\S]*?Oud onderwerp/, 'moderators still find it, marked')
  t.match((await mod.get('/moderation/log')).body, 'Onderwerp verwijderd')
})

t.test('a deleted post\'s notifications and waiting mailing-list mails go with it', async t => {
  const app = await buildTestApp(t, { smtpUrl: 'smtp://127.0.0.1:9' })
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const els = await makeMember(app, 'els')
  await app.db.updateTable('users').set({ email_confirmed_at: Date.now() }).execute()
  await app.db.updateTable('users').set({ email_mode: 'mailing_list' }).where('id', '=', els.id).execute()
  const { topic } = await makeTopic(app, { forumId: forum.id, author: jan, now: RECENT() })
  await app.notifier.flush()
  const piet = await makeMember(app, 'piet')
  await app.db.updateTable('users').set({ email_confirmed_at: Date.now() }).where('id', '=', piet.id).execute()
  const pietV = await loggedIn(app, 'piet')
  const written = await pietV.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Geheime tekst voor @jan en de lijst' })
  const id = Number(/#post-(\d+)/.exec(String(written.headers.location))![1])
  await app.notifier.flush()
  const unsent = async () => app.db.selectFrom('outbox').select('text_body').where('sent_at', 'is', null).execute()
  t.ok((await unsent()).some(mail => mail.text_body.includes('Geheime tekst')), 'a mailing-list mail waits (the mail server is unreachable)')
  t.equal((await app.db.selectFrom('notifications').select('id').where('post_id', '=', id).execute()).length, 1, 'jan was told')
  t.equal((await pietV.submit(`/topic/${topic.slug}`, `/post/${id}/delete`, {})).statusCode, 303)
  t.notOk((await unsent()).some(mail => mail.text_body.includes('Geheime tekst')), 'the waiting mail is dropped')
  t.equal((await app.db.selectFrom('notifications').select('id').where('post_id', '=', id).execute()).length, 0, 'the notification too')
})

t.test('"Nuttig": members mark others\' posts, again to undo; the count shows on the post and the profile', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const piet = await makeMember(app, 'piet')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, replies: 1, replier: piet })
  const pietV = await loggedIn(app, 'piet')
  const janV = await loggedIn(app, 'jan')

  t.equal((await pietV.submit(`/topic/${topic.slug}`, `/post/${ids[0]}/like`, {})).statusCode, 303)
  let page = await pietV.get(`/topic/${topic.slug}`)
  t.match(page.body, new RegExp(`action="/post/${ids[0]}/like"[\\s\\S]*?aria-pressed="true">Nuttig <span class="like-count">1</span>`), 'marked, with its count')
  t.equal(textOfClass((await new Visitor(app).get('/user/jan')).body, 'profile-likes'), '1', 'the profile shows what jan received')
  t.match((await new Visitor(app).get(`/topic/${topic.slug}`)).body, /<span class="likes">Nuttig <span class="like-count">1<\/span>/, 'a guest sees the count')
  t.equal((await janV.submit(`/topic/${topic.slug}`, `/post/${ids[0]}/like`, {})).statusCode, 403, 'not one\'s own post')
  t.equal((await pietV.submit(`/topic/${topic.slug}`, `/post/${ids[0]}/like`, {})).statusCode, 303, 'again')
  page = await pietV.get(`/topic/${topic.slug}`)
  t.match(page.body, new RegExp(`action="/post/${ids[0]}/like"[\\s\\S]*?aria-pressed="false">Nuttig <span class="like-count">0</span>`), 'undone')
  t.equal(textOfClass((await new Visitor(app).get('/user/jan')).body, 'profile-likes'), '0')
})

t.test('"Nuttig" counts hold under parallel toggling', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan })
  const members = await Promise.all(Array.from({ length: 12 }, async (_, i) => { await makeMember(app, `lid${i}`); return loggedIn(app, `lid${i}`) }))
  const token = async (visitor: Visitor) => /name="_csrf" value="([^"]+)"/.exec((await visitor.get(`/topic/${topic.slug}`)).body)![1]
  const tokens = await Promise.all(members.map(token))
  // Each member toggles 1–3 times, all at once: odd counts leave a mark.
  const times = members.map((_, i) => 1 + (i % 3))
  await Promise.all(members.flatMap((member, i) => Array.from({ length: times[i] }, () => member.postRaw(`/post/${ids[0]}/like`, { _csrf: tokens[i] }))))
  const rows = await app.db.selectFrom('post_likes').select('user_id').where('post_id', '=', ids[0]).execute()
  const stored = await app.db.selectFrom('posts').select('like_count').where('id', '=', ids[0]).executeTakeFirstOrThrow()
  t.equal(stored.like_count, rows.length, 'the count is the rows')
  t.equal(rows.length, times.filter(n => n % 2 === 1).length, 'odd toggles leave a mark')
  t.equal(allTextOfClass((await members[0].get(`/topic/${topic.slug}`)).body, 'like-count')[0], String(rows.length))
})

t.test('quoting without JavaScript: "Citeren" opens the reply form holding the quote; the quote links the post; the quoted member is told once', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  await makeMember(app, 'piet')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan })
  await app.db.updateTable('posts').set({ body_md: 'Verlof aanvragen kan tot 1 mei.\n\nDaarna niet meer.' }).where('id', '=', ids[0]).execute()
  const piet = await loggedIn(app, 'piet')
  const page = await piet.get(`/topic/${topic.slug}`)
  t.match(decodeEntities(page.body), `<a class="quote-link" href="/topic/${topic.slug}/reply?quote=${ids[0]}">Citeren</a>`, 'each post has "Citeren"')
  const form = await piet.get(`/topic/${topic.slug}/reply?quote=${ids[0]}`)
  t.equal(form.statusCode, 200)
  const body = decodeEntities(/<textarea id="body"[^>]*>([\s\S]*?)<\/textarea>/.exec(form.body)![1])
  t.equal(body, `> [@jan schreef:](/post/${ids[0]})\n> Verlof aanvragen kan tot 1 mei.\n>\n> Daarna niet meer.\n\n`, 'the form holds the quote')
  const sent = await piet.submit(`/topic/${topic.slug}/reply?quote=${ids[0]}`, `/topic/${topic.slug}/reply`, { body: `${body}Klopt, en @jan weet het.` })
  t.equal(sent.statusCode, 303)
  await app.notifier.flush()
  const shown = await piet.get(String(sent.headers.location))
  t.match(shown.body, new RegExp(`<blockquote>\\s*<p><a href="/post/${ids[0]}"[^>]*>@jan schreef:</a>`), 'a block naming the author, linking the post')
  const told = await app.db.selectFrom('notifications').select('kind').where('user_id', '=', jan.id).execute()
  t.same(told.map(n => n.kind), ['mentioned'], 'jan is told once (a mention is the stronger reason)')

  const justQuoted = await piet.submit(`/topic/${topic.slug}/reply?quote=${ids[0]}`, `/topic/${topic.slug}/reply`, { body: `> [@jan schreef:](/post/${ids[0]})\n> Verlof\n\nAlleen geciteerd.` })
  t.equal(justQuoted.statusCode, 303)
  await app.notifier.flush()
  t.same((await app.db.selectFrom('notifications').select('kind').where('user_id', '=', jan.id).orderBy('id').execute()).map(n => n.kind), ['mentioned', 'quoted'], 'a quote alone is "quoted"')
  t.match((await (await loggedIn(app, 'jan')).get('/notifications')).body, 'piet citeerde je in')

  t.equal((await piet.get(`/topic/${topic.slug}/reply?quote=999999`)).statusCode, 404, 'an unknown post')
  t.equal((await piet.get(`/topic/${topic.slug}/reply?quote=abc`)).statusCode, 404)
  const guest = await new Visitor(app).get(`/topic/${topic.slug}/reply?quote=${ids[0]}`)
  t.equal(guest.statusCode, 303, 'a guest logs in first')
  t.notMatch((await new Visitor(app).get(`/topic/${topic.slug}`)).body, 'quote-link', 'guests get no "Citeren"')
})

t.test('a post in a private forum cannot be quoted by an outsider', async t => {
  const app = await buildTestApp(t)
  const open = await makeForum(app, 'Open')
  const closed = await makeForum(app, 'Besloten')
  const jan = await makeMember(app, 'jan')
  await makeMember(app, 'piet')
  await app.db.updateTable('forums').set({ private: 1 }).where('id', '=', closed.id).execute()
  const secret = await makeTopic(app, { forumId: closed.id, author: jan })
  const { topic } = await makeTopic(app, { forumId: open.id, author: jan })
  const piet = await loggedIn(app, 'piet')
  t.equal((await piet.get(`/topic/${topic.slug}/reply?quote=${secret.ids[0]}`)).statusCode, 404, 'not through an open topic')
  t.equal((await piet.get(`/topic/${secret.topic.slug}/reply?quote=${secret.ids[0]}`)).statusCode, 404, 'nor its own')
})

t.test('drafts: kept per member and form, restored on return, saved by "Voorbeeld", removed when posted', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  await makeMember(app, 'piet')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, now: RECENT() })
  const piet = await loggedIn(app, 'piet')
  const token = /name="_csrf" value="([^"]+)"/.exec((await piet.get(`/topic/${topic.slug}`)).body)![1]

  t.equal((await piet.postRaw('/drafts', { _csrf: token, form: `reply:${topic.id}`, body: 'Half af <b>antwoord</b>' })).statusCode, 204, 'the script\'s save')
  let page = await piet.get(`/topic/${topic.slug}`)
  t.match(page.body, /<textarea id="body"[^>]*>Half af &lt;b&gt;antwoord&lt;\/b&gt;<\/textarea>/, 'restored, escaped')
  t.match(textOfClass(page.body, 'draft-status'), /^Concept opgeslagen/, '"concept opgeslagen"')
  t.notMatch((await (await loggedIn(app, 'jan')).get(`/topic/${topic.slug}`)).body, 'Half af', 'nobody else sees it')

  const previewed = await piet.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Bijna klaar', preview: '1' })
  t.equal(previewed.statusCode, 200)
  page = await piet.get(`/topic/${topic.slug}`)
  t.match(page.body, />Bijna klaar<\/textarea>/, '"Voorbeeld" saved it')
  t.equal((await piet.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Bijna klaar' })).statusCode, 303)
  page = await piet.get(`/topic/${topic.slug}`)
  t.match(page.body, /<textarea id="body"[^>]*><\/textarea>/, 'posting removed the draft')
  t.equal(textOfClass(page.body, 'draft-status'), '')

  await piet.postRaw('/drafts', { _csrf: token, form: `topic:${forum.id}`, title: 'Nieuw plan', body: 'Tekst' })
  const newTopic = await piet.get(`/forum/${forum.slug}/new`)
  t.match(newTopic.body, /value="Nieuw plan"/, 'a new topic\'s title and text come back')
  t.match(newTopic.body, />Tekst<\/textarea>/)
  const janV = await loggedIn(app, 'jan')
  const janToken = /name="_csrf" value="([^"]+)"/.exec((await janV.get(`/post/${ids[0]}/edit`)).body)![1]
  await janV.postRaw('/drafts', { _csrf: janToken, form: `edit:${ids[0]}`, body: 'Nieuwe versie' })
  t.match((await janV.get(`/post/${ids[0]}/edit`)).body, />Nieuwe versie<\/textarea>/, 'an edit in progress comes back')

  t.equal((await piet.postRaw('/drafts', { _csrf: token, form: 'reply:abc', body: 'x' })).statusCode, 400, 'an unknown form')
  t.equal((await piet.postRaw('/drafts', { _csrf: token, form: `reply:${topic.id}`, body: 'x'.repeat(60_001) })).statusCode, 400, 'too long')
  t.equal((await piet.postRaw('/drafts', { form: `reply:${topic.id}`, body: 'x' })).statusCode, 403, 'no token')
  t.equal((await new Visitor(app).postRaw('/drafts', { form: `reply:${topic.id}`, body: 'x' })).statusCode, 403, 'a guest')
  await piet.postRaw('/drafts', { _csrf: token, form: `reply:${topic.id}`, body: '   ' })
  t.equal((await app.db.selectFrom('drafts').select('form').where('form', '=', `reply:${topic.id}`).execute()).length, 0, 'an empty form removes the draft')
})

t.test('a moderation form with a reason that is too long comes back with the error and every choice kept', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  await makeMember(app, 'mod', 'moderator')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, replies: 1 })
  const mod = await loggedIn(app, 'mod')
  const long = 'lang '.repeat(120)
  for (const [page, url, fields] of [
    [`/topic/${topic.slug}`, `/topic/${topic.slug}/moderate`, { action: 'lock' }],
    [`/topic/${topic.slug}`, `/post/${ids[1]}/moderate`, { action: 'hide' }],
    ['/user/jan', '/user/jan/moderate', { action: 'suspend', until: '' }]
  ] as const) {
    const answer = await mod.submit(page, url, { ...fields, reason: long })
    t.equal(answer.statusCode, 400, url)
    t.match(answer.body, `action="${url}"`, 'the same form again')
    t.match(answer.body, `value="${long}"`, 'the reason kept')
    t.match(answer.body, `name="action" value="${fields.action}"`, 'the choice kept')
    t.match(answer.body, 'Een reden mag hoogstens 500 tekens hebben.')
    const token = /name="_csrf" value="([^"]+)"/.exec(answer.body)![1]
    t.equal((await mod.postRaw(url, { _csrf: token, ...fields, reason: 'kort' })).statusCode, 303, 'and it can be sent again')
  }
})

t.test('what a review found: hidden posts are not quoted or liked, a deleted answer is no answer, a post deleted before its fan-out tells nobody', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const piet = await makeMember(app, 'piet')
  await makeMember(app, 'mod', 'moderator')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, replies: 2, replier: piet, now: RECENT() })
  const mod = await loggedIn(app, 'mod')
  t.equal((await mod.submit(`/topic/${topic.slug}`, `/post/${ids[1]}/moderate`, { action: 'hide', reason: 'spam' })).statusCode, 303)
  t.equal((await mod.get(`/topic/${topic.slug}/reply?quote=${ids[1]}`)).statusCode, 404, 'a hidden post cannot be quoted, not even by a moderator')
  t.equal((await mod.submit(`/topic/${topic.slug}`, `/post/${ids[1]}/like`, {})).statusCode, 403, 'nor marked "Nuttig"')

  // "Nuttig" received leaves deleted posts out; a deleted accepted answer is no answer.
  await app.db.updateTable('forums').set({ kind: 'questions' }).where('id', '=', forum.id).execute()
  const janV = await loggedIn(app, 'jan')
  t.equal((await janV.submit(`/topic/${topic.slug}`, `/post/${ids[2]}/like`, {})).statusCode, 303)
  t.equal((await janV.submit(`/topic/${topic.slug}`, `/post/${ids[2]}/accept`, {})).statusCode, 303)
  t.equal(textOfClass((await janV.get('/user/piet')).body, 'profile-likes'), '1')
  const pietV = await loggedIn(app, 'piet')
  t.equal((await pietV.submit(`/topic/${topic.slug}`, `/post/${ids[2]}/delete`, {})).statusCode, 303)
  t.equal(textOfClass((await janV.get('/user/piet')).body, 'profile-likes'), '0', 'likes of a deleted post no longer count')
  t.equal((await app.db.selectFrom('topics').select('answer_post_id').where('id', '=', topic.id).executeTakeFirstOrThrow()).answer_post_id, null, 'the question is open again')
  t.equal((await janV.submit(`/topic/${topic.slug}`, `/post/${ids[2]}/accept`, {})).statusCode, 400, 'and a deleted reply cannot become its answer')

  // A reply deleted between the fan-out listing it and telling its followers: nobody is told.
  const { createReply } = await import('../../src/models/posts.js')
  const { listPostsToFanOut, fanOutPost } = await import('../../src/notifications/fan-out.js')
  const { deletePost } = await import('../../src/models/post-deletion.js')
  await app.notifier.flush()
  const reply = await createReply(app.db, { topicId: topic.id, authorId: piet.id, bodyMd: 'Geheim', bodyHtml: '<p>Geheim @jan</p>', notify: true })
  const listed = (await listPostsToFanOut(app.db, 100)).find(post => post.id === reply.id)!
  t.ok(listed, 'listed for the fan-out')
  await deletePost(app.db, { ...reply, position: reply.position }, { moderatorId: piet.id, action: 'post.delete' })
  let mailed = false
  t.equal(await fanOutPost(app.db, listed, 0, async () => { mailed = true }), 0, 'nobody is told')
  t.notOk(mailed, 'no mailing-list mail is made')
  t.equal((await app.db.selectFrom('notifications').select('id').where('post_id', '=', reply.id).execute()).length, 0)
})
