import t from 'tap'
import { buildTestApp, csrfToken, NO_POSTING_LIMITS, postIds, Visitor, loggedIn, countsHold } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'
import { setModeratedForums, suspendUser } from '../../src/models/users.js'
import { INDEFINITELY } from '../../src/db/schema.js'

t.test('a moderator\'s demotion stands against automatic promotion', async t => {
  const app = await buildTestApp(t, {}, { ...NO_POSTING_LIMITS, promote_after_posts: 1, promote_after_days: 0 })
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan', 'bijdrager')
  await makeMember(app, 'mod', 'moderator')
  const { topic } = await makeTopic(app, { forumId: forum.id, author: jan, replies: 3 })
  const mod = await loggedIn(app, 'mod')
  t.equal((await mod.submit('/user/jan', '/user/jan/moderate', { action: 'role', role: 'lid' })).statusCode, 303)
  const member = await loggedIn(app, 'jan')
  t.equal((await member.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Nog een reactie' })).statusCode, 303)
  const row = await app.db.selectFrom('users').select('role').where('id', '=', jan.id).executeTakeFirstOrThrow()
  t.equal(row.role, 'lid', 'still lid after posting (before: promoted again)')

  // A member nobody chose a role for is still promoted as before.
  await makeMember(app, 'piet')
  const piet = await loggedIn(app, 'piet')
  await piet.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Mijn eerste reactie' })
  const promoted = await app.db.selectFrom('users').select('role').where('username', '=', 'piet').executeTakeFirstOrThrow()
  t.equal(promoted.role, 'bijdrager', 'automatic promotion still works')
})

t.test('a topic a viewer may not see is not found on any route, its old URL too', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan', 'bijdrager')
  await makeMember(app, 'mod', 'moderator')
  const { ids } = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Oude titel' })
  const author = await loggedIn(app, 'jan')
  t.equal((await author.submit(`/post/${ids[0]}/edit`, `/post/${ids[0]}/edit`, { title: 'Geheime nieuwe titel', body: 'Eerste bericht' })).statusCode, 303)
  const mod = await loggedIn(app, 'mod')
  t.equal((await mod.submit('/topic/geheime-nieuwe-titel', '/topic/geheime-nieuwe-titel/moderate', { action: 'hide' })).statusCode, 303)

  const guest = new Visitor(app)
  for (const url of ['/topic/oude-titel', '/topic/oude-titel/page/1', '/topic/geheime-nieuwe-titel']) {
    const response = await guest.get(url)
    t.equal(response.statusCode, 404, `guest: ${url} is not found (before: a 301 that told the new title)`)
    if (url.includes('oude')) t.notMatch(response.body, 'geheime', 'nothing of the new title')
  }
  for (const who of [guest, author]) {
    for (const url of ['/topic/oude-titel', '/topic/geheime-nieuwe-titel']) {
      t.equal((await who.submit('/login', `${url}/moderate`, { action: 'unhide' })).statusCode, 404, `moderate ${url}: 404`)
      // A guest's reply is sent to log in before anything is looked up (the form takes files), for any slug alike.
      const expected = who === guest ? 303 : 404
      t.equal((await who.submit('/login', `${url}/reply`, { body: 'Hallo?' })).statusCode, expected, `reply ${url}: ${expected}`)
    }
  }
  t.equal((await guest.submit('/login', '/topic/bestaat-niet/reply', { body: 'Hallo?' })).statusCode, 303, 'the same for a topic that does not exist: no answer tells them apart')
  const forModerator = await mod.get('/topic/oude-titel')
  t.equal(forModerator.statusCode, 301, 'a moderator still follows the old URL')
  t.equal(forModerator.headers.location, '/topic/geheime-nieuwe-titel')
})

t.test('a hidden opening post is a hidden topic, and every count holds through every act', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const other = await makeForum(app, 'Regio Noord')
  const jan = await makeMember(app, 'jan')
  const piet = await makeMember(app, 'piet')
  await makeMember(app, 'mod', 'moderator')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan })
  const second = await makeTopic(app, { forumId: forum.id, author: piet, title: 'Tweede onderwerp', replies: 4, replier: jan })
  const url = `/topic/${topic.slug}`
  const mod = await loggedIn(app, 'mod')
  const author = await loggedIn(app, 'jan')
  const forumRow = () => app.db.selectFrom('forums').select(['topic_count', 'post_count']).where('id', '=', forum.id).executeTakeFirstOrThrow()
  await countsHold(t, app, 'setting up')

  t.equal((await mod.submit(url, `/post/${ids[0]}/moderate`, { action: 'hide', reason: 'spam' })).statusCode, 303)
  t.same(await forumRow(), { topic_count: 1, post_count: 5 }, 'the topic is out of the forum\'s counts')
  t.equal((await author.get(url)).statusCode, 404, 'the topic is gone for its author')
  t.equal((await author.submit('/', `${url}/reply`, { body: 'Waarom is mijn vraag weg?' })).statusCode, 404, 'a reply finds nothing (before: it listed the topic again)')
  t.notMatch((await author.get(`/forum/${forum.slug}`)).body, topic.title, 'not listed')
  t.same(await forumRow(), { topic_count: 1, post_count: 5 }, 'counts unchanged by the refused reply (before: one too low)')
  await countsHold(t, app, 'hiding the opening post')

  t.equal((await mod.submit(url, `/post/${ids[0]}/moderate`, { action: 'unhide' })).statusCode, 303)
  t.same(await forumRow(), { topic_count: 2, post_count: 6 }, 'restoring the opening post restores the topic')
  t.match((await author.get(`/forum/${forum.slug}`)).body, topic.title)
  await countsHold(t, app, 'restoring it')

  const secondUrl = `/topic/${second.topic.slug}`
  const acts: Array<[string, string, Record<string, string>]> = [
    ['hiding a reply', `/post/${second.ids[2]}/moderate`, { action: 'hide' }],
    ['locking', `${secondUrl}/moderate`, { action: 'lock' }],
    ['moving', `${secondUrl}/moderate`, { action: 'move', forum: other.slug }],
    ['hiding the topic', `${secondUrl}/moderate`, { action: 'hide' }],
    ['restoring the topic', `${secondUrl}/moderate`, { action: 'unhide' }],
    ['restoring the reply', `/post/${second.ids[2]}/moderate`, { action: 'unhide' }]
  ]
  for (const [what, action, fields] of acts) {
    t.equal((await mod.submit('/', action, fields)).statusCode, 303, what)
    await countsHold(t, app, what)
  }

  // A split whose first chosen post is hidden opens a hidden topic.
  t.equal((await mod.submit('/', `/post/${second.ids[3]}/moderate`, { action: 'hide' })).statusCode, 303)
  const token = csrfToken((await mod.get('/')).body)!
  const split = await app.inject({
    method: 'POST', url: `${secondUrl}/moderate`, headers: { cookie: mod.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams([['_csrf', token], ['action', 'split'], ['title', 'Afgesplitst'], ['posts', String(second.ids[3])], ['posts', String(second.ids[4])]]).toString()
  })
  t.equal(split.statusCode, 303, 'split')
  const created = await app.db.selectFrom('topics').select(['hidden']).where('slug', '=', 'afgesplitst').executeTakeFirstOrThrow()
  t.equal(created.hidden, 1, 'the new topic opened by a hidden post is hidden')
  t.equal((await author.get('/topic/afgesplitst')).statusCode, 404)
  t.same(postIds((await mod.get('/topic/afgesplitst')).body), [second.ids[3], second.ids[4]], 'the moderator sees both posts')
  await countsHold(t, app, 'a split')
})

t.test('a suspended moderator reads like a member and has no tools', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const mod = await makeMember(app, 'mod', 'moderator')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, replies: 2 })
  const hidden = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Verborgen onderwerp' })
  await app.db.updateTable('topics').set({ hidden: 1 }).where('id', '=', hidden.topic.id).execute()
  const moderator = await loggedIn(app, 'mod')
  t.equal((await moderator.submit('/', `/post/${ids[1]}/moderate`, { action: 'hide' })).statusCode, 303)
  await suspendUser(app.db, mod.id, INDEFINITELY, 'even pauze')

  const page = await moderator.get(`/topic/${topic.slug}`)
  t.same(postIds(page.body), [ids[0], ids[2]], 'the hidden post is not shown')
  t.notMatch(page.body, 'name="action"', 'no moderation tools')
  t.equal((await moderator.get(`/topic/${hidden.topic.slug}`)).statusCode, 404, 'a hidden topic is not found')
  t.equal((await moderator.get(`/post/${ids[1]}/revisions`)).statusCode, 404, 'nor a hidden post\'s revisions')
  for (const url of ['/moderation/queue', '/moderation/reports', '/moderation/log']) {
    t.equal((await moderator.get(url)).statusCode, 403, `${url}: 403`)
  }
})

t.test('a moderator limited to one forum reads the log of that forum only', async t => {
  const app = await buildTestApp(t)
  const algemeen = await makeForum(app)
  const noord = await makeForum(app, 'Regio Noord')
  const jan = await makeMember(app, 'jan')
  await makeMember(app, 'piet')
  const limited = await makeMember(app, 'beperkt', 'moderator')
  await makeMember(app, 'mod', 'moderator')
  await makeMember(app, 'baas', 'beheerder')
  await setModeratedForums(app.db, limited.id, [noord.id])
  const inAlgemeen = await makeTopic(app, { forumId: algemeen.id, author: jan })
  const inNoord = await makeTopic(app, { forumId: noord.id, author: jan, title: 'Iets in het noorden' })
  const mod = await loggedIn(app, 'mod')
  const baas = await loggedIn(app, 'baas')
  await mod.submit('/', `/topic/${inAlgemeen.topic.slug}/moderate`, { action: 'lock', reason: 'reden-in-algemeen' })
  await mod.submit('/', `/topic/${inNoord.topic.slug}/moderate`, { action: 'lock', reason: 'reden-in-noord' })
  await mod.submit('/user/piet', '/user/piet/moderate', { action: 'suspend', reason: 'reden-schorsing' })
  await baas.submit('/admin', '/admin/settings', { posts_per_page: '12' })

  // The log's table, without the filter's list of every act.
  const seen = async (who: Visitor) => (await who.get('/moderation/log')).body.split('<table class="log">')[1] ?? ''
  const beperkt = await loggedIn(app, 'beperkt')
  const limitedLog = await seen(beperkt)
  t.match(limitedLog, 'reden-in-noord', 'the limited moderator sees their forum\'s acts')
  t.notMatch(limitedLog, 'reden-in-algemeen', 'not another forum\'s (before: every reason)')
  t.notMatch(limitedLog, 'reden-schorsing', 'nor suspensions')
  t.notMatch(limitedLog, 'Instelling gewijzigd', 'nor settings')
  const suspend = await beperkt.submit('/user/jan', '/user/jan/moderate', { action: 'suspend', reason: 'mag niet' })
  t.equal(suspend.statusCode, 403, 'and may not act on members either')

  const modLog = await seen(mod)
  for (const reason of ['reden-in-noord', 'reden-in-algemeen', 'reden-schorsing']) t.match(modLog, reason, `a moderator of every forum sees ${reason}`)
  t.notMatch(modLog, 'Instelling gewijzigd', 'settings are the beheerder\'s')
  t.match(await seen(baas), 'Instelling gewijzigd', 'the beheerder sees everything')
})
