import t from 'tap'
import { allTextOfClass, buildTestApp, loggedIn, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'
import { suspendUser } from '../../src/models/users.js'

async function setup (t: Parameters<typeof buildTestApp>[0]) {
  const app = await buildTestApp(t)
  const forum = await makeForum(app, 'Noord overleg')
  await makeForum(app, 'Algemeen')
  const boss = await makeMember(app, 'beheer', 'beheerder')
  for (const name of ['anna', 'bram', 'carla', 'dirk']) await makeMember(app, name)
  await makeTopic(app, { forumId: forum.id, author: boss, title: 'Besloten agenda regio noord' })
  return { app, forum, admin: await loggedIn(app, 'beheer') }
}

t.test('a beheerder makes a request group, attaches a private forum; a member asks, is let in, reads it, leaves', async t => {
  const { app, forum, admin } = await setup(t)
  const bad = await admin.submit('/admin', '/admin/groups', { name: 'Regio Noord', description: 'Het noorden', kind: 'iedereen' })
  t.equal(bad.statusCode, 400, 'an unknown way of joining is refused')
  t.match(bad.body, 'value="Regio Noord"', 'the typed name is kept')
  const made = await admin.submit('/admin', '/admin/groups', { name: 'Regio Noord', description: 'Het noorden', kind: 'request' })
  t.equal(made.statusCode, 303)
  t.equal(made.headers.location, '/groups/regio-noord')

  const privateWithoutGroup = await admin.submit('/admin', `/admin/forums/${forum.slug}`, { name: forum.name, description: '', parent: '', position: '1', group: '', visibility: 'private' })
  t.equal(privateWithoutGroup.statusCode, 400, 'a forum without a group cannot be private')
  t.match(privateWithoutGroup.body, 'Alleen een forum van een groep kan besloten zijn.')
  const attached = await admin.submit('/admin', `/admin/forums/${forum.slug}`, { name: forum.name, description: '', parent: '', position: '1', group: 'regio-noord', visibility: 'private' })
  t.equal(attached.statusCode, 303, 'attached as private')
  t.match((await admin.get('/admin')).body, /<option value="private" selected>/, 'the form shows it private')

  const anna = await loggedIn(app, 'anna')
  t.equal((await anna.get(`/forum/${forum.slug}`)).statusCode, 404, 'not in the group: the forum is not there')
  const groupPage = await anna.get('/groups/regio-noord')
  t.match(groupPage.body, 'Lidmaatschap aanvragen')
  t.notMatch(groupPage.body, forum.name, 'the group page does not list the private forum to outsiders')
  const asked = await anna.submit('/groups/regio-noord', '/groups/regio-noord/join', {})
  t.equal(asked.statusCode, 303)
  t.match((await anna.get('/groups/regio-noord')).body, 'Je aanvraag wacht op goedkeuring')
  t.equal((await anna.get(`/forum/${forum.slug}`)).statusCode, 404, 'asking is not being in')

  const requests = await admin.get('/groups/regio-noord')
  t.match(requests.body, 'Aanvragen', 'the beheerder sees the request')
  t.equal((await admin.submit('/groups/regio-noord', '/groups/regio-noord/members', { action: 'approve', username: 'anna' })).statusCode, 303)
  const inside = await anna.get(`/forum/${forum.slug}`)
  t.equal(inside.statusCode, 200, 'let in: the forum opens')
  t.match(inside.body, 'Besloten agenda regio noord')
  t.match((await anna.get('/groups/regio-noord')).body, forum.name, 'and the group page lists it')
  t.same(allTextOfClass((await anna.get('/groups')).body, 'group-name'), ['Regio Noord'])

  t.equal((await anna.submit('/groups/regio-noord', '/groups/regio-noord/leave', {})).statusCode, 303)
  t.equal((await anna.get(`/forum/${forum.slug}`)).statusCode, 404, 'left: gone again')
})

t.test('joining: open at once, closed refused; managers manage their own group only', async t => {
  const { app, admin } = await setup(t)
  await admin.submit('/admin', '/admin/groups', { name: 'Sector bibliotheken', description: '', kind: 'open' })
  await admin.submit('/admin', '/admin/groups', { name: 'Regio Zuid', description: '', kind: 'closed' })
  const bram = await loggedIn(app, 'bram')
  t.equal((await bram.submit('/groups/sector-bibliotheken', '/groups/sector-bibliotheken/join', {})).statusCode, 303)
  t.match((await bram.get('/groups/sector-bibliotheken')).body, 'Groep verlaten', 'an open group: a member at once')
  const closed = await bram.submit('/groups/sector-bibliotheken', '/groups/regio-zuid/join', {})
  t.equal(closed.statusCode, 403, 'a closed group refuses a POST to join')
  t.match(closed.body, 'Deze groep is gesloten')
  t.equal((await app.db.selectFrom('group_members').innerJoin('groups', 'groups.id', 'group_members.group_id').select('user_id').where('groups.slug', '=', 'regio-zuid').execute()).length, 0, 'nothing stored')

  // Carla manages Regio Zuid; she adds Dirk there, but cannot touch the other group.
  t.equal((await admin.submit('/groups/regio-zuid', '/groups/regio-zuid/members', { action: 'manager', username: 'carla' })).statusCode, 303)
  const carla = await loggedIn(app, 'carla')
  t.equal((await carla.submit('/groups/regio-zuid', '/groups/regio-zuid/members', { action: 'add', username: 'dirk' })).statusCode, 303)
  t.match((await carla.get('/groups/regio-zuid')).body, /href="\/user\/dirk"/, 'Dirk is in')
  const elsewhere = await carla.submit('/groups/regio-zuid', '/groups/sector-bibliotheken/members', { action: 'remove', username: 'bram' })
  t.equal(elsewhere.statusCode, 403, 'a manager of one group cannot act on another')
  t.match((await bram.get('/groups/sector-bibliotheken')).body, 'Groep verlaten', 'Bram is still in')
  const nobody = await carla.submit('/groups/regio-zuid', '/groups/regio-zuid/members', { action: 'add', username: 'niemand' })
  t.equal(nobody.statusCode, 400)
  t.match(nobody.body, 'Er is geen lid met die gebruikersnaam.')
  t.match(nobody.body, 'value="niemand"', 'the typed name is kept')
  const dirkPlain = await loggedIn(app, 'dirk')
  t.equal((await dirkPlain.submit('/groups/regio-zuid', '/groups/regio-zuid/members', { action: 'remove', username: 'carla' })).statusCode, 403, 'a plain member manages nothing')
})

t.test('who sees the members: members of the site, not guests; a suspended member joins nothing', async t => {
  const { app, admin } = await setup(t)
  await admin.submit('/admin', '/admin/groups', { name: 'Thema inclusie', description: 'Over inclusie', kind: 'open' })
  const anna = await loggedIn(app, 'anna')
  await anna.submit('/groups/thema-inclusie', '/groups/thema-inclusie/join', {})
  const guest = await new Visitor(app).get('/groups/thema-inclusie')
  t.equal(guest.statusCode, 200)
  t.match(guest.body, 'Over inclusie')
  t.notMatch(guest.body, 'href="/user/anna"', 'a guest does not see who is in it')
  t.match((await (await loggedIn(app, 'bram')).get('/groups/thema-inclusie')).body, /href="\/user\/anna"/, 'a member of the site does')
  const dirk = await app.db.selectFrom('users').selectAll().where('username', '=', 'dirk').executeTakeFirstOrThrow()
  await suspendUser(app.db, dirk.id, Date.now() + 3600_000, 'even pauze')
  const suspended = await loggedIn(app, 'dirk')
  t.equal((await suspended.submit('/groups/thema-inclusie', '/groups/thema-inclusie/join', {})).statusCode, 403, 'suspended: no joining')
  t.equal((await new Visitor(app).get('/groups/bestaat-niet')).statusCode, 404)
})
