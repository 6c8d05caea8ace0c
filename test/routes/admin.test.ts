import t from 'tap'
import { buildTestApp, Visitor, csrfToken } from '../helper.js'
import { makeForum, makeMember, PASSWORD } from '../factories.js'
import { loadSettings } from '../../src/models/settings.js'

t.test('a beheerder changes settings and creates forums; others may not', async t => {
  const app = await buildTestApp(t)
  await makeForum(app, 'Regio Noord')
  await makeMember(app, 'baas', 'beheerder')
  await makeMember(app, 'mod', 'moderator')
  const mod = new Visitor(app)
  await mod.login('mod', PASSWORD)
  t.equal((await mod.get('/admin')).statusCode, 403, 'a moderator is refused the page')
  const modToken = csrfToken((await mod.get('/')).body)!
  t.equal((await mod.postRaw('/admin/settings', { _csrf: modToken, posts_per_page: '5' })).statusCode, 403, 'and the form')
  t.equal(app.settings.posts_per_page, 10)
  const guest = new Visitor(app)
  const guestPage = await guest.get('/admin')
  t.equal(guestPage.statusCode, 303)
  t.equal(guestPage.headers.location, '/login?next=%2Fadmin')

  const baas = new Visitor(app)
  await baas.login('baas', PASSWORD)
  const page = await baas.get('/admin')
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Berichten per pagina')
  const bad = await baas.submit('/admin', '/admin/settings', { posts_per_page: '0', queue_links_over: 'veel' })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, 'value="veel"', 'what was typed stays')
  t.equal(app.settings.posts_per_page, 10, 'nothing saved')
  const good = await baas.submit('/admin', '/admin/settings', { posts_per_page: '25', queue_links_over: '2' })
  t.equal(good.statusCode, 303)
  t.equal(app.settings.posts_per_page, 25, 'in force at once')
  t.equal((await loadSettings(app.db)).queue_links_over, 2, 'and stored')
  const log = await app.db.selectFrom('moderation_log').select(['action', 'to_value']).where('action', '=', 'site.setting').execute()
  t.same(log.map(r => r.to_value).sort(), ['posts_per_page=25', 'queue_links_over=2'])

  const forum = await baas.submit('/admin', '/admin/forums', { name: 'Groningen', parent: 'regio-noord', description: 'Stad en ommeland' })
  t.equal(forum.statusCode, 303)
  t.equal(forum.headers.location, '/forum/groningen')
  const index = await baas.get('/')
  t.match(index.body, /<ul class="subforums"[^>]*>\s*<li><a href="\/forum\/groningen">Groningen<\/a>/)
  const noName = await baas.submit('/admin', '/admin/forums', { name: '', description: 'zonder naam' })
  t.equal(noName.statusCode, 400)
  t.match(noName.body, 'value="zonder naam"')
})
