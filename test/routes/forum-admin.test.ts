import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, textOfClass, Visitor, loggedIn } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'


const forumRow = (app: FastifyInstance, slug: string) => app.db.selectFrom('forums').selectAll().where('slug', '=', slug).executeTakeFirst()

t.test('a beheerder renames, describes, reorders, moves and deletes forums; every act is logged', async t => {
  const app = await buildTestApp(t)
  const algemeen = await makeForum(app)
  const noord = await makeForum(app, 'Regio Noord')
  const groningen = await makeForum(app, 'Groningen', 'regio-noord')
  const jan = await makeMember(app, 'jan')
  await makeMember(app, 'mod', 'moderator')
  await makeMember(app, 'baas', 'beheerder')
  await makeTopic(app, { forumId: groningen.id, author: jan })
  const baas = await loggedIn(app, 'baas')
  const admin = await baas.get('/admin')
  t.match(admin.body, 'action="/admin/forums/groningen"', 'the admin page lists every forum with its form')

  const save = (slug: string, fields: Record<string, string>) => baas.submit('/admin', `/admin/forums/${slug}`, fields)
  t.equal((await save('algemeen', { name: 'Algemeen en vragen', description: 'Alles wat nergens anders past', parent: '', position: '9' })).statusCode, 303)
  t.match(await forumRow(app, 'algemeen'), { name: 'Algemeen en vragen', description: 'Alles wat nergens anders past', position: 9 }, 'renamed, described, reordered; the URL stays')
  const index = await new Visitor(app).get('/')
  t.ok(index.body.indexOf('Regio Noord') < index.body.indexOf('Algemeen en vragen'), 'the index follows the new order')

  t.equal((await save('groningen', { name: 'Groningen', description: '', parent: '', position: '1' })).statusCode, 303)
  t.match(await forumRow(app, 'groningen'), { parent_id: null }, 'moved to the top level')
  t.equal((await save('groningen', { name: 'Groningen', description: '', parent: 'regio-noord', position: '1' })).statusCode, 303, 'and back under Regio Noord')

  const underItself = await save('regio-noord', { name: 'Regio Noord', description: '', parent: 'groningen', position: '1' })
  t.equal(underItself.statusCode, 400, 'a forum cannot go under its own subforum')
  t.match(underItself.body, 'Een forum kan niet onder zichzelf')
  const emptyName = await save('regio-noord', { name: '  ', description: 'Nieuwe tekst', parent: '', position: '1' })
  t.equal(emptyName.statusCode, 400)
  t.match(emptyName.body, 'value="Nieuwe tekst"', 'the typed values are kept')

  const notEmpty = await baas.submit('/admin', '/admin/forums/groningen/delete', {})
  t.equal(notEmpty.statusCode, 400, 'a forum with topics cannot be deleted')
  t.match(notEmpty.body, 'Dit forum bevat nog onderwerpen')
  const hasSubforum = await baas.submit('/admin', '/admin/forums/regio-noord/delete', {})
  t.equal(hasSubforum.statusCode, 400, 'nor one with subforums')
  t.match(hasSubforum.body, 'Dit forum heeft nog subforums')
  t.equal((await baas.submit('/admin', '/admin/forums/groningen/delete', { move_to: 'algemeen' })).statusCode, 303, 'moving its topics first, it can')
  t.notOk(await forumRow(app, 'groningen'), 'gone')
  t.match(await forumRow(app, 'algemeen'), { topic_count: 1, post_count: 1 }, 'its topic now counts in Algemeen')
  t.equal((await new Visitor(app).get('/forum/groningen')).statusCode, 404)

  const mod = await loggedIn(app, 'mod')
  t.equal((await mod.submit('/', '/admin/forums/algemeen', { name: 'Van de moderator' })).statusCode, 403, 'a moderator may not')
  t.equal((await mod.submit('/', '/admin/forums/regio-noord/delete', {})).statusCode, 403)

  const log = await app.db.selectFrom('moderation_log').select(['action', 'from_value', 'to_value']).where('action', 'like', 'forum.%').orderBy('id').execute()
  t.same(log.map(row => row.action), ['forum.update', 'forum.update', 'forum.update', 'forum.delete'])
  t.match(log[0], { from_value: 'Algemeen → Algemeen en vragen', to_value: 'algemeen' })
  const page = await baas.get('/moderation/log')
  t.match(page.body, 'Forum gewijzigd')
  t.match(page.body, 'Forum verwijderd')
  t.match(page.body, 'Algemeen → Algemeen en vragen')
  void algemeen
  void noord
})

t.test('breadcrumbs show the whole path; a parent counts and shows the latest of its subforums', async t => {
  const app = await buildTestApp(t)
  const noord = await makeForum(app, 'Regio Noord')
  const groningen = await makeForum(app, 'Groningen', 'regio-noord')
  const stad = await makeForum(app, 'Stad', 'groningen')
  const algemeen = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  await makeMember(app, 'mod', 'moderator')
  const { topic } = await makeTopic(app, { forumId: stad.id, author: jan, title: 'Bijeenkomst in de stad', replies: 2 })

  const forumPage = await new Visitor(app).get('/forum/stad')
  t.equal(textOfClass(forumPage.body, 'breadcrumbs'), 'Forums › Regio Noord › Groningen', 'a subforum shows its whole path')
  const topicPage = await new Visitor(app).get(`/topic/${topic.slug}`)
  t.equal(textOfClass(topicPage.body, 'breadcrumbs'), 'Forums › Regio Noord › Groningen › Stad')

  const row = async (name: string) => {
    const index = (await new Visitor(app).get('/')).body
    const match = new RegExp(`<a href="/forum/[^"]+">${name}</a>[\\s\\S]*?</tr>`).exec(index)?.[0] ?? ''
    return { topics: textOfClass(match, 'count'), activity: textOfClass(match, 'last-activity') ?? '' }
  }
  const before = await row('Regio Noord')
  t.equal(before.topics, '1', 'the region counts the topic two levels down (before: 0)')
  t.match(before.activity, 'Bijeenkomst in de stad', 'and shows its latest post')

  const mod = await loggedIn(app, 'mod')
  await mod.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/moderate`, { action: 'hide' })
  t.equal((await row('Regio Noord')).topics, '0', 'hidden: no longer counted')
  t.match((await row('Regio Noord')).activity, 'Nog geen onderwerpen')
  await mod.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/moderate`, { action: 'unhide' })
  await mod.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/moderate`, { action: 'move', forum: 'algemeen' })
  t.equal((await row('Regio Noord')).topics, '0', 'moved away: counted where it went')
  t.equal((await row('Algemeen')).topics, '1')
  void noord
  void groningen
  void algemeen
})
