import t, { type Test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildTestApp, csrfToken, decodeEntities, textOfClass, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'

async function loggedIn (app: FastifyInstance, name: string): Promise<Visitor> {
  const visitor = new Visitor(app)
  await visitor.login(name, PASSWORD)
  return visitor
}

/** Follows a form's 303 as a browser does: the page it leads to shows the message once, as a status. */
async function flashAfter (t: Test, visitor: Visitor, response: LightMyRequestResponse, expected: string | RegExp): Promise<void> {
  t.equal(response.statusCode, 303, `303 before "${String(expected)}"`)
  let page = await visitor.get(String(response.headers.location))
  if (page.statusCode === 302) page = await visitor.get(String(page.headers.location))
  t.match(page.body, /<p class="flash" role="status">/, 'a status message')
  t.match(textOfClass(page.body, 'flash'), expected)
  t.notMatch((await visitor.get(String(response.headers.location))).body, 'class="flash"', 'shown once')
}

t.test('every kind of successful form says that it worked', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan', 'bijdrager')
  await makeMember(app, 'piet')
  await makeMember(app, 'mod', 'moderator')
  await makeMember(app, 'baas', 'beheerder')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, replies: 2 })
  const url = `/topic/${topic.slug}`
  const member = await loggedIn(app, 'jan')
  const piet = await loggedIn(app, 'piet')
  const mod = await loggedIn(app, 'mod')
  const baas = await loggedIn(app, 'baas')

  await flashAfter(t, member, await member.submit(url, `${url}/reply`, { body: 'Een reactie' }), 'Je reactie is geplaatst.')
  await flashAfter(t, member, await member.submit(`/forum/${forum.slug}/new`, `/forum/${forum.slug}/new`, { title: 'Nieuw onderwerp', body: 'Tekst' }), 'Je onderwerp is geplaatst.')
  await flashAfter(t, member, await member.submit(`/post/${ids[1]}/edit`, `/post/${ids[1]}/edit`, { body: 'Verbeterd' }), 'Je wijziging is opgeslagen.')
  await flashAfter(t, piet, await piet.submit(url, `/post/${ids[1]}/report`, { reason: 'Klopt niet' }), 'Bedankt. Je melding is doorgegeven')
  await flashAfter(t, piet, await piet.submit(url, `/post/${ids[1]}/report`, { reason: 'Nog eens' }), 'Je hebt dit bericht al gemeld')
  await flashAfter(t, mod, await mod.submit(url, `${url}/moderate`, { action: 'lock', reason: 'klaar' }), 'Het onderwerp is gesloten.')
  await flashAfter(t, mod, await mod.submit(url, `/post/${ids[2]}/moderate`, { action: 'hide' }), 'Het bericht is verborgen.')
  await flashAfter(t, mod, await mod.submit('/moderation/reports', `/moderation/reports/${ids[1]}/resolve`, { resolution: 'upheld', reason: 'inderdaad' }), 'De melding is terecht verklaard.')
  await flashAfter(t, mod, await mod.submit('/user/piet', '/user/piet/moderate', { action: 'suspend', reason: 'even rust' }), 'piet is geschorst.')
  await flashAfter(t, mod, await mod.submit('/user/piet', '/user/piet/moderate', { action: 'unsuspend' }), 'De schorsing van piet is opgeheven.')
  await flashAfter(t, baas, await baas.submit('/admin', '/admin/settings', { posts_per_page: '15' }), 'De instellingen zijn opgeslagen')
  await flashAfter(t, baas, await baas.submit('/admin', '/admin/forums', { name: 'Regio Zuid' }), 'Forum „Regio Zuid” is aangemaakt.')
  await flashAfter(t, baas, await baas.submit('/admin', '/admin/forums/regio-zuid', { name: 'Regio Zuid en Oost', description: '', parent: '', position: '3' }), 'Forum „Regio Zuid en Oost” is opgeslagen.')
  await flashAfter(t, baas, await baas.submit('/admin', '/admin/forums/regio-zuid/delete', {}), 'Forum „Regio Zuid en Oost” is verwijderd.')

  const newcomer = new Visitor(app)
  await flashAfter(t, newcomer, await newcomer.submit('/register', '/register', { username: 'nieuweling', email: 'nieuw@example.org', password: PASSWORD }), 'Welkom bij Kring, nieuweling!')
  await flashAfter(t, newcomer, await newcomer.submit('/', '/logout', {}), 'Je bent uitgelogd.')
  await flashAfter(t, newcomer, await newcomer.submit('/login', '/login', { login: 'nieuweling', password: PASSWORD }), 'Welkom terug, nieuweling.')

  const forged = new Visitor(app)
  forged.cookies.set('kring_flash', encodeURIComponent('["flash.logged_in",{"name":"<script>"}]'))
  t.notMatch((await forged.get('/')).body, 'class="flash"', 'a message not signed by Kring is not shown')
})

t.test('reports: a report needs words, the form keeps them, and moderators see who and when', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  await makeMember(app, 'piet')
  await makeMember(app, 'els')
  await makeMember(app, 'mod', 'moderator')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, replies: 1 })
  const piet = await loggedIn(app, 'piet')
  const blank = await piet.submit(`/topic/${topic.slug}`, `/post/${ids[1]}/report`, { reason: '    ' })
  t.equal(blank.statusCode, 400, 'only spaces: the form again (before: a bare "Ongeldig verzoek")')
  t.match(blank.body, 'Geef een reden op.')
  t.match(blank.body, `action="/post/${ids[1]}/report"`)
  const long = 'x'.repeat(501)
  const tooLong = await piet.submit(`/post/${ids[1]}/report`, `/post/${ids[1]}/report`, { reason: long })
  t.equal(tooLong.statusCode, 400)
  t.match(tooLong.body, `value="${long}"`, 'the typed reason is kept')
  await piet.submit(`/post/${ids[1]}/report`, `/post/${ids[1]}/report`, { reason: 'Persoonsgegevens' })
  const els = await loggedIn(app, 'els')
  await els.submit(`/post/${ids[1]}/report`, `/post/${ids[1]}/report`, { reason: 'Onvriendelijk' })

  const mod = await loggedIn(app, 'mod')
  const reports = await mod.get('/moderation/reports')
  t.match(reports.body, '<h1>Gemelde berichten</h1>', 'called "Gemelde berichten", not "Meldingen"')
  t.match(reports.body, /Persoonsgegevens<\/q> — <a href="\/user\/piet">piet<\/a>, <time/, 'who reported, and when')
  t.match(reports.body, /Onvriendelijk<\/q> — <a href="\/user\/els">els<\/a>/)
  t.match(textOfClass(reports.body, 'work-count'), '1', 'the header counts the open reports')
  const upheld = await mod.submit('/moderation/reports', `/moderation/reports/${ids[1]}/resolve`, { resolution: 'upheld_hidden', reason: 'Bevat een telefoonnummer' })
  t.equal(upheld.statusCode, 303)
  const log = await app.db.selectFrom('moderation_log').select(['action', 'reason']).orderBy('id').execute()
  t.same(log, [{ action: 'post.hide', reason: 'Bevat een telefoonnummer' }, { action: 'report.upheld', reason: 'Bevat een telefoonnummer' }], 'the reason is logged with the decision')
  t.notMatch((await mod.get('/moderation/reports')).body, 'class="work-count"', 'no count when nothing waits')
})

t.test('the queue: its count in the header, and approving returns to it', async t => {
  const app = await buildTestApp(t, {}, { limit_lid_seconds: 0, limit_bijdrager_seconds: 0, limit_lid_first_day_topics: 1000, queue_until_approved_posts: 1 })
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan', 'bijdrager')
  await makeMember(app, 'nieuw')
  await makeMember(app, 'mod', 'moderator')
  const { topic } = await makeTopic(app, { forumId: forum.id, author: jan })
  const nieuw = await loggedIn(app, 'nieuw')
  await nieuw.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Eerste' })
  await nieuw.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Tweede' })
  const mod = await loggedIn(app, 'mod')
  const queue = await mod.get('/moderation/queue')
  t.match(decodeEntities(queue.body), /Wachtrij <span class="work-count">2<\/span>/, 'the header says 2 wait')
  const queued = await app.db.selectFrom('posts').select('id').where('queued', '=', 1).orderBy('id').execute()
  const approved = await mod.postRaw(`/post/${queued[0].id}/moderate`, { _csrf: csrfToken(queue.body)!, action: 'approve', from: 'queue' })
  t.equal(approved.headers.location, '/moderation/queue', 'back to the queue for the next one')
  const after = await mod.get('/moderation/queue')
  t.match(textOfClass(after.body, 'flash'), 'Het bericht is goedgekeurd')
  t.match(decodeEntities(after.body), /Wachtrij <span class="work-count">1<\/span>/)
})
