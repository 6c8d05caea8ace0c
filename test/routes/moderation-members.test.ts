import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { INDEFINITELY } from '../../src/db/schema.js'
import { buildTestApp, Visitor, csrfToken, allTextOfClass } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'

/** jan (lid) with a fresh topic in Algemeen, bea (bijdrager), mod and mod2 (moderators), baas (beheerder); Regio Noord has a topic too. */
async function setup (t: Test) {
  const app = await buildTestApp(t)
  const algemeen = await makeForum(app)
  const noord = await makeForum(app, 'Regio Noord')
  const jan = await makeMember(app, 'jan')
  const bea = await makeMember(app, 'bea', 'bijdrager')
  await makeMember(app, 'mod', 'moderator')
  await makeMember(app, 'mod2', 'moderator')
  await makeMember(app, 'baas', 'beheerder')
  const here = await makeTopic(app, { forumId: algemeen.id, author: jan, replies: 1, replier: bea, now: Date.now() - 60_000 })
  const there = await makeTopic(app, { forumId: noord.id, author: bea, title: 'In het noorden', replies: 1, replier: jan })
  return { app, jan, here, there, url: `/topic/${here.topic.slug}`, noordUrl: `/topic/${there.topic.slug}` }
}

async function loggedIn (app: FastifyInstance, name: string): Promise<Visitor> {
  const visitor = new Visitor(app)
  await visitor.login(name, PASSWORD)
  return visitor
}

const day = (offsetDays: number): string => new Date(Date.now() + offsetDays * 86400_000).toISOString().slice(0, 10)
const member = async (app: FastifyInstance, name: string) => app.db.selectFrom('users').selectAll().where('username', '=', name).executeTakeFirstOrThrow()
const logRows = async (app: FastifyInstance) => app.db.selectFrom('moderation_log').selectAll().orderBy('id').execute()
const writes = async (app: FastifyInstance) => ({
  posts: await app.db.selectFrom('posts').selectAll().execute(),
  topics: await app.db.selectFrom('topics').selectAll().execute(),
  reports: await app.db.selectFrom('reports').selectAll().execute(),
  revisions: await app.db.selectFrom('post_revisions').selectAll().execute()
})

t.test('suspension: the member reads but cannot write, until unsuspended', async t => {
  for (const until of ['', day(30)]) {
    await t.test(until === '' ? 'indefinitely' : 'until a date', async t => {
      const { app, jan, here, url } = await setup(t)
      const janV = await loggedIn(app, 'jan')
      t.equal((await janV.get(`/post/${here.ids[0]}/edit`)).statusCode, 200, 'before: jan may edit his post')
      const mod = await loggedIn(app, 'mod')
      const res = await mod.submit('/user/jan', '/user/jan/moderate', { action: 'suspend', until, reason: 'even afkoelen' })
      t.equal(res.statusCode, 303)
      t.equal(res.headers.location, '/user/jan')
      const stored = (await member(app, 'jan')).suspended_until!
      if (until === '') t.equal(stored, INDEFINITELY, 'no end date')
      else t.ok(stored > Date.parse(`${until}T12:00:00Z`) && stored < Date.parse(`${until}T12:00:00Z`) + 86400_000, 'until the end of that day')
      t.match((await logRows(app))[0], { action: 'member.suspend', user_id: jan.id, to_value: until === '' ? null : until, reason: 'even afkoelen' })

      const home = await janV.get('/')
      t.match(home.body, until === '' ? 'Je account is geschorst: je kunt lezen, maar niet schrijven.' : /Je account is geschorst tot [^<]+: je kunt lezen, maar niet schrijven\./)
      t.match(home.body, 'Reden: even afkoelen', 'with the reason')
      t.match((await new Visitor(app).get('/user/jan')).body, 'Geschorst', 'the profile says so')
      t.equal((await janV.get(url)).statusCode, 200, 'can read')
      const before = await writes(app)
      const refused = [
        await janV.submit('/', '/forum/algemeen/new', { title: 'Nieuw onderwerp', body: 'Tekst' }),
        await janV.submit('/', `${url}/reply`, { body: 'Reactie' }),
        await janV.get(`/post/${here.ids[0]}/edit`),
        await janV.submit('/', `/post/${here.ids[0]}/edit`, { body: 'Bewerkt' }),
        await janV.submit('/', `/post/${here.ids[1]}/report`, { reason: 'Melding' })
      ]
      t.same(refused.map(r => r.statusCode), [403, 403, 403, 403, 403], 'new topic, reply, edit form, edit, report: 403')
      t.ok(refused.every(r => r.body.includes('Je account is geschorst')), 'each page says why')
      t.same(await writes(app), before, 'nothing stored')

      t.equal((await mod.submit('/user/jan', '/user/jan/moderate', { action: 'unsuspend' })).statusCode, 303)
      t.match(await member(app, 'jan'), { suspended_until: null, suspended_reason: null })
      t.notMatch((await janV.get('/')).body, 'Je account is geschorst')
      t.equal((await janV.submit(url, `${url}/reply`, { body: 'Weer terug' })).statusCode, 303, 'may post again')
      t.same((await logRows(app)).map(r => r.action), ['member.suspend', 'member.unsuspend'])
    })
  }
})

t.test('a suspension date must be a real date in the future', async t => {
  const { app } = await setup(t)
  const mod = await loggedIn(app, 'mod')
  for (const until of [day(-2), '31-12-2030', 'morgen', '2030-13-01', `${day(10)}T00:00`]) {
    const res = await mod.submit('/user/jan', '/user/jan/moderate', { action: 'suspend', until })
    t.equal(res.statusCode, 400, `"${until}": 400`)
    if (until === 'morgen') t.match(res.body, 'Kies een datum in de toekomst (jjjj-mm-dd)', 'the page says why')
  }
  t.equal((await member(app, 'jan')).suspended_until, null, 'not suspended')
  t.same(await logRows(app), [])
  t.equal((await mod.submit('/user/mod', '/user/mod/moderate', { action: 'suspend' })).statusCode, 403, 'not yourself')
})

t.test('a date that does not exist in the calendar is refused', async t => {
  const { app } = await setup(t)
  const mod = await loggedIn(app, 'mod')
  const res = await mod.submit('/user/jan', '/user/jan/moderate', { action: 'suspend', until: '2030-02-30' })
  t.equal(res.statusCode, 400, '30 February: 400 (not silently 2 March)')
  t.equal((await member(app, 'jan')).suspended_until, null, 'not suspended')
})

t.test('roles: moderators set lid and bijdrager, the beheerder appoints moderators', async t => {
  const { app } = await setup(t)
  const mod = await loggedIn(app, 'mod')
  const baas = await loggedIn(app, 'baas')
  const act = async (visitor: Visitor, name: string, fields: Record<string, string>) =>
    (await visitor.submit(`/user/${name}`, `/user/${name}/moderate`, fields)).statusCode
  const roleOf = async (name: string) => (await member(app, name)).role

  const tools = (await mod.get('/user/jan')).body
  t.match(tools, '<option value="bijdrager"')
  t.notMatch(tools, '<option value="moderator"', 'a moderator is not offered the moderator role')
  t.notMatch((await mod.get('/user/baas')).body, 'Moderatie van dit lid', 'no tools on the beheerder')

  t.equal(await act(mod, 'jan', { action: 'role', role: 'bijdrager' }), 303, 'lid → bijdrager')
  t.equal(await roleOf('jan'), 'bijdrager')
  t.equal(await act(mod, 'bea', { action: 'role', role: 'lid' }), 303, 'bijdrager → lid')
  t.equal(await roleOf('bea'), 'lid')
  t.equal(await act(mod, 'bea', { action: 'role', role: 'koning' }), 400, 'an unknown role')
  const refused: Array<[string, Record<string, string>]> = [
    ['jan', { action: 'role', role: 'moderator' }], ['jan', { action: 'role', role: 'beheerder' }],
    ['mod2', { action: 'role', role: 'lid' }], ['baas', { action: 'role', role: 'lid' }],
    ['mod', { action: 'role', role: 'beheerder' }], ['mod', { action: 'role', role: 'lid' }],
    ['baas', { action: 'suspend', until: '' }], ['mod2', { action: 'suspend', until: '' }]
  ]
  for (const [name, fields] of refused) t.equal(await act(mod, name, fields), 403, `mod: ${fields.action} ${fields.role ?? ''} on ${name}: 403`)
  t.same([await roleOf('jan'), await roleOf('mod'), await roleOf('mod2'), await roleOf('baas')], ['bijdrager', 'moderator', 'moderator', 'beheerder'])
  t.equal((await member(app, 'baas')).suspended_until, null)

  const lid = await loggedIn(app, 'bea')
  t.equal(await act(lid, 'jan', { action: 'role', role: 'lid' }), 403, 'a lid cannot set roles')
  t.equal(await act(lid, 'jan', { action: 'suspend', until: '' }), 403, 'a lid cannot suspend')

  t.match((await baas.get('/user/jan')).body, '<option value="moderator"')
  t.equal(await act(baas, 'jan', { action: 'role', role: 'moderator' }), 303, 'the beheerder appoints a moderator')
  t.equal(await roleOf('jan'), 'moderator')
  t.equal(await act(baas, 'mod2', { action: 'role', role: 'lid' }), 303, 'and removes one')
  t.equal(await roleOf('mod2'), 'lid')
  t.equal(await act(baas, 'mod', { action: 'suspend', until: '' }), 303, 'the beheerder may suspend a moderator')
  t.equal(await act(baas, 'baas', { action: 'role', role: 'moderator' }), 403, 'nobody changes their own role')
  t.equal(await roleOf('baas'), 'beheerder')
  const log = (await logRows(app)).filter(r => r.action === 'member.role').map(r => [r.from_value, r.to_value])
  t.same(log, [['lid', 'bijdrager'], ['bijdrager', 'lid'], ['bijdrager', 'moderator'], ['moderator', 'lid']], 'each change logged with from and to')
})

t.test('a moderator limited to one forum moderates only there', async t => {
  const { app, url, noordUrl, there } = await setup(t)
  const baas = await loggedIn(app, 'baas')
  const mod = await loggedIn(app, 'mod')
  t.equal((await mod.submit('/user/mod2', '/user/mod2/moderate', { action: 'forums', forums: 'algemeen' })).statusCode, 403, 'only the beheerder')
  t.match((await baas.get('/user/mod')).body, 'name="forums" value="algemeen"')
  t.equal((await baas.submit('/user/mod', '/user/mod/moderate', { action: 'forums', forums: 'algemeen' })).statusCode, 303)
  t.match((await logRows(app)).at(-1), { action: 'member.forums', to_value: 'algemeen' })

  t.match((await mod.get(url)).body, 'id="topic-tools"', 'tools in Algemeen')
  t.equal((await mod.submit(url, `${url}/moderate`, { action: 'lock' })).statusCode, 303, 'may lock in Algemeen')
  const noordPage = await mod.get(noordUrl)
  t.notMatch(noordPage.body, 'id="topic-tools"', 'no topic tools in Regio Noord')
  t.notMatch(noordPage.body, '/moderate"', 'no post tools either')
  t.equal((await mod.submit(noordUrl, `${noordUrl}/moderate`, { action: 'lock' })).statusCode, 403, 'refused in Regio Noord')
  t.equal((await mod.submit(url, `${url}/moderate`, { action: 'move', forum: 'regio-noord' })).statusCode, 403, 'cannot move a topic there')
  t.same((await app.db.selectFrom('topics').select(['slug', 'locked']).orderBy('id').execute()).map(r => r.locked), [1, 0])
  const jan = await loggedIn(app, 'jan')
  t.equal((await jan.submit(noordUrl, `/post/${there.ids[0]}/report`, { reason: 'Dubbel gepost' })).statusCode, 303)
  const reports = await mod.get('/moderation/reports')
  t.equal(reports.statusCode, 200)
  t.notOk(reports.body.includes(`/post/${there.ids[0]}`), 'reports from Regio Noord are not on their reports page')
  t.equal((await mod.submit('/moderation/reports', `/moderation/reports/${there.ids[0]}/resolve`, { resolution: 'dismissed' })).statusCode, 403, 'nor theirs to resolve')

  const token = csrfToken((await baas.get('/user/mod')).body)!
  const both = await app.inject({
    method: 'POST', url: '/user/mod/moderate', headers: { cookie: baas.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `action=forums&forums=algemeen&forums=regio-noord&_csrf=${encodeURIComponent(token)}`
  })
  t.equal(both.statusCode, 303, 'two forums')
  t.equal((await app.db.selectFrom('forum_moderators').selectAll().execute()).length, 2)
  t.equal((await baas.submit('/user/mod', '/user/mod/moderate', { action: 'forums' })).statusCode, 303, 'cleared')
  t.same(await app.db.selectFrom('forum_moderators').selectAll().execute(), [])
  t.equal((await mod.submit(noordUrl, `${noordUrl}/moderate`, { action: 'lock' })).statusCode, 303, 'global again')
})

t.test('the moderation log lists every act and filters by moderator and act', async t => {
  const { app, url, noordUrl } = await setup(t)
  const mod = await loggedIn(app, 'mod')
  const mod2 = await loggedIn(app, 'mod2')
  t.equal((await mod.submit(url, `${url}/moderate`, { action: 'lock', reason: 'rust' })).statusCode, 303)
  t.equal((await mod2.submit(noordUrl, `${noordUrl}/moderate`, { action: 'lock' })).statusCode, 303)
  t.equal((await mod2.submit(url, `${url}/moderate`, { action: 'pin' })).statusCode, 303)
  t.equal((await mod.submit('/user/jan', '/user/jan/moderate', { action: 'suspend', until: '' })).statusCode, 303)
  const rows = (html: string) => ({
    // The first profile link in a row is the moderator's (a member acted upon comes later).
    moderators: [...html.matchAll(/<tr class="log-entry">[\s\S]*?<\/tr>/g)].map(m => /href="\/user\/([^"]+)"/.exec(m[0])?.[1]),
    actions: allTextOfClass(html, 'log-action')
  })
  const all = await mod.get('/moderation/log')
  t.equal(all.statusCode, 200)
  t.same(rows(all.body), { moderators: ['mod', 'mod2', 'mod2', 'mod'], actions: ['Lid geschorst', 'Onderwerp vastgezet', 'Onderwerp gesloten', 'Onderwerp gesloten'] }, 'newest first, in words')
  t.same(rows((await mod.get('/moderation/log?moderator=mod')).body), { moderators: ['mod', 'mod'], actions: ['Lid geschorst', 'Onderwerp gesloten'] })
  t.same(rows((await mod.get('/moderation/log?action=topic.lock')).body), { moderators: ['mod2', 'mod'], actions: ['Onderwerp gesloten', 'Onderwerp gesloten'] })
  t.same(rows((await mod.get('/moderation/log?moderator=MOD2&action=topic.lock')).body), { moderators: ['mod2'], actions: ['Onderwerp gesloten'] })
  t.match(all.body, /<select id="filter-moderator" name="moderator">[\s\S]*<option value="mod">mod<\/option>\s*<option value="mod2">mod2<\/option>/, 'moderators to choose from')
  t.match(all.body, '<option value="topic.lock">Onderwerp gesloten</option>', 'acts to choose from, in words')
  t.match(all.body, /<td class="log-change"[^>]*>voor onbepaalde tijd<\/td>/, 'an indefinite suspension in words')
  t.match((await mod.get('/moderation/log?moderator=mod&action=pin')).body, 'Nog niets in het log.')
  t.match(all.body, 'rust')
  t.equal((await (await loggedIn(app, 'bea')).get('/moderation/log')).statusCode, 403, 'members: 403')
  const guest = await new Visitor(app).get('/moderation/log')
  t.equal(guest.statusCode, 303)
  t.equal(guest.headers.location, '/login?next=%2Fmoderation%2Flog', 'guests: to login')
})
