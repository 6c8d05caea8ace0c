import t from 'tap'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { allTextOfClass, buildTestApp, loggedIn, textOfClass, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'
import { uploadsDirectory } from '../../src/config.js'

/** A real photo with EXIF (an artist and GPS position) that must not survive the upload. */
async function photo (width = 900, height = 600): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 60, b: 40 } } })
    .jpeg().withExif({ IFD0: { Artist: 'Marieke Geheim' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '52/1 22/1 0/1' } }).toBuffer()
}

const FIELDS = { display_name: 'Marieke de Vries', organisation: 'Bibliotheek Groningen', job_title: 'HR-adviseur', website: 'https://example.org/marieke', bio: 'Ik werk aan **inclusie**.', region: '', sector: '' }

async function setup (t: Parameters<typeof buildTestApp>[0]) {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const marieke = await makeMember(app, 'marieke')
  await makeMember(app, 'jan')
  await makeMember(app, 'beheer', 'beheerder')
  await app.db.updateTable('users').set({ email_confirmed_at: Date.now() }).execute()
  const topic = await makeTopic(app, { forumId: forum.id, author: marieke, title: 'Vraag over inclusie' })
  return { app, forum, topic, marieke: await loggedIn(app, 'marieke') }
}

t.test('a member fills in a profile with a picture: stored small, as WebP, without EXIF or location', async t => {
  const { app, topic, marieke } = await setup(t)
  const saved = await marieke.submitMultipart('/account/profile', '/account/profile', FIELDS, [{ field: 'avatar', filename: 'ik.jpg', type: 'image/jpeg', data: await photo() }])
  t.equal(saved.statusCode, 303, saved.body.slice(0, 300))
  const stored = await app.db.selectFrom('users').select(['display_name', 'organisation', 'bio_html', 'avatar']).where('username', '=', 'marieke').executeTakeFirstOrThrow()
  t.match(stored, { display_name: 'Marieke de Vries', organisation: 'Bibliotheek Groningen', bio_html: /<strong>inclusie<\/strong>/ })
  const file = path.join(uploadsDirectory(app.config), 'avatars', stored.avatar!)
  const meta = await sharp(await fs.readFile(file)).metadata()
  t.match(meta, { format: 'webp', width: 256, height: 256 }, 'resized square, re-encoded')
  t.equal(meta.exif, undefined, 'no EXIF left, no location')
  t.notMatch((await fs.readFile(file)).toString('latin1'), 'Marieke Geheim', 'not a byte of it')

  const member = await (await loggedIn(app, 'jan')).get(`/topic/${topic.topic.slug}`)
  t.equal(textOfClass(member.body, 'post-author-name'), 'Marieke de Vries', 'posts show the display name')
  t.equal(textOfClass(member.body, 'post-organisation'), 'Bibliotheek Groningen', 'and the organisation to members')
  t.match(member.body, `<img class="avatar" src="/avatars/${stored.avatar}"`, 'and the picture')
  const guest = await new Visitor(app).get(`/topic/${topic.topic.slug}`)
  t.equal(textOfClass(guest.body, 'post-author-name'), 'Marieke de Vries', 'a guest sees a name')
  t.equal(textOfClass(guest.body, 'post-role'), 'Lid', 'and a role')
  t.equal(textOfClass(guest.body, 'post-organisation'), undefined, 'not the organisation')
  t.equal(textOfClass(guest.body, 'avatar-initials'), 'MV', 'initials instead of the picture')
  t.notMatch(guest.body, /<img class="avatar"/)
  t.equal((await new Visitor(app).get(`/avatars/${stored.avatar}`)).statusCode, 404, 'nor the picture file')
  const asMember = await (await loggedIn(app, 'jan')).get(`/avatars/${stored.avatar}`)
  t.equal(asMember.statusCode, 200)
  t.equal(asMember.headers['content-type'], 'image/webp')
  t.equal(asMember.headers['x-content-type-options'], 'nosniff')

  const profile = await (await loggedIn(app, 'jan')).get('/user/marieke')
  t.match(profile.body, 'HR-adviseur')
  t.match(profile.body, 'href="https://example.org/marieke" rel="nofollow ugc noopener"')
  t.notMatch((await new Visitor(app).get('/user/marieke')).body, 'HR-adviseur', 'profiles are for members')
  // As the beheerder's form does: the setting stored (a write guests see), then in force.
  await app.db.insertInto('settings').values({ key: 'profiles_public', value: '1' }).execute()
  app.settings.profiles_public = 1
  t.match((await new Visitor(app).get('/user/marieke')).body, 'HR-adviseur', 'unless the beheerder makes them public')
  t.equal((await new Visitor(app).get(`/avatars/${stored.avatar}`)).statusCode, 200)

  // A new picture replaces the old file; removing it leaves initials.
  await marieke.submitMultipart('/account/profile', '/account/profile', FIELDS, [{ field: 'avatar', filename: 'nieuw.png', type: 'image/png', data: await sharp(await photo(300, 300)).png().toBuffer() }])
  await t.rejects(fs.access(file), 'the old picture is gone from the disk')
  await marieke.submitMultipart('/account/profile', '/account/profile', { ...FIELDS, remove_avatar: '1' }, [])
  t.equal((await app.db.selectFrom('users').select('avatar').where('username', '=', 'marieke').executeTakeFirstOrThrow()).avatar, null)
  t.same(await fs.readdir(path.join(uploadsDirectory(app.config), 'avatars')), [], 'and no file left behind')
})

t.test('bad input is refused clearly, the typed profile kept, nothing stored', async t => {
  const { app, marieke } = await setup(t)
  const cases: Array<[string, Record<string, string>, Array<{ field: string, filename: string, type: string, data: Buffer }>, string]> = [
    ['HTML renamed to .png', FIELDS, [{ field: 'avatar', filename: 'foto.png', type: 'image/png', data: Buffer.from('<html><script>alert(1)</script></html>') }], 'Dit is geen PNG-, JPEG- of WebP-afbeelding.'],
    ['an SVG', FIELDS, [{ field: 'avatar', filename: 'foto.svg', type: 'image/svg+xml', data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>') }], 'Dit is geen PNG-, JPEG- of WebP-afbeelding.'],
    ['a GIF', FIELDS, [{ field: 'avatar', filename: 'foto.gif', type: 'image/gif', data: await sharp({ create: { width: 10, height: 10, channels: 3, background: 'blue' } }).gif().toBuffer() }], 'Dit is geen PNG-, JPEG- of WebP-afbeelding.'],
    ['a 0-byte file', FIELDS, [{ field: 'avatar', filename: 'leeg.png', type: 'image/png', data: Buffer.alloc(0) }], 'Dit bestand is leeg.'],
    ['2 MB + 1 byte', FIELDS, [{ field: 'avatar', filename: 'groot.jpg', type: 'image/jpeg', data: Buffer.concat([await photo(), Buffer.alloc(2 * 1024 * 1024 + 1)]).subarray(0, 2 * 1024 * 1024 + 1) }], 'Een profielfoto is hoogstens 2 MB.'],
    ['a javascript: website', { ...FIELDS, website: 'javascript:alert(1)' }, [], 'Een website begint met https:// of http://.'],
    ['HTML in a name', { ...FIELDS, display_name: '<b>Marieke</b>' }, [], 'Alleen gewone tekst'],
    ['an RTL override in a name', { ...FIELDS, organisation: 'Bieb\u202Egnp.exe' }, [], 'Alleen gewone tekst'],
    ['10,000 characters', { ...FIELDS, organisation: 'x'.repeat(10_000) }, [], 'Dit is te lang.'],
    ['an unknown region', { ...FIELDS, region: '999' }, [], 'settings.unknown_choice']
  ]
  for (const [name, fields, files, message] of cases) {
    const answer = await marieke.submitMultipart('/account/profile', '/account/profile', fields, files)
    t.equal(answer.statusCode, 400, `${name}: refused`)
    t.match(answer.body, message === 'settings.unknown_choice' ? /class="field-error"/ : message, `${name}: says why`)
    t.match(answer.body, `value="${fields.display_name.replace(/</g, '&lt;').replace(/>/g, '&gt;')}"`, `${name}: the typed text kept`)
    t.match(answer.body, fields.organisation.length > 1000 ? 'value="xxxxxxxx' : `value="${fields.organisation.replace(/[<>]/g, '')}`, `${name}: the field at fault too`)
  }
  const stored = await app.db.selectFrom('users').select(['display_name', 'organisation', 'avatar']).where('username', '=', 'marieke').executeTakeFirstOrThrow()
  t.same(stored, { display_name: '', organisation: '', avatar: null }, 'nothing stored')
  await t.rejects(fs.readdir(path.join(uploadsDirectory(app.config), 'avatars')).then(files => { if (files.length > 0) throw new Error('a file') }).then(() => { throw new Error('no folder') }), 'no file written')
  const impostor = await marieke.submitMultipart('/account/profile', '/account/profile', { ...FIELDS, display_name: 'Beheer' }, [])
  t.equal(impostor.statusCode, 400, 'another member\'s username as a display name')
  t.match(impostor.body, 'Die naam is van een ander lid.')
  const jan = await app.db.selectFrom('users').select('id').where('username', '=', 'jan').executeTakeFirstOrThrow()
  await app.db.updateTable('users').set({ suspended_until: Date.now() + 3600_000 }).where('id', '=', jan.id).execute()
  const suspended = await (await loggedIn(app, 'jan')).submitMultipart('/account/profile', '/account/profile', FIELDS, [])
  t.equal(suspended.statusCode, 403, 'a suspended member changes no profile')
  const noToken = await app.inject({ method: 'POST', url: '/account/profile', headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x\r\nContent-Disposition: form-data; name="display_name"\r\n\r\nHacker\r\n--x--\r\n' })
  t.equal(noToken.statusCode, 303, 'a guest\'s multipart form is sent to log in, unread')
})

t.test('the directory: members only, searchable by name and organisation, filtered by region, sector, role and expert', async t => {
  const { app, marieke } = await setup(t)
  const admin = await loggedIn(app, 'beheer')
  t.equal((await admin.submit('/admin', '/admin/lists', { regions: 'Noord\nZuid', sectors: 'Bibliotheken\nMusea' })).statusCode, 303)
  const choices = await app.db.selectFrom('profile_choices').select(['id', 'name']).execute()
  const id = (name: string): string => String(choices.find(choice => choice.name === name)!.id)
  await marieke.submitMultipart('/account/profile', '/account/profile', { ...FIELDS, region: id('Noord'), sector: id('Bibliotheken') }, [])
  for (let i = 0; i < 35; i++) await makeMember(app, `lid${String(i).padStart(2, '0')}`)
  await app.db.updateTable('users').set({ email_confirmed_at: Date.now() }).execute()
  t.equal((await admin.submit('/user/jan', '/user/jan/moderate', { action: 'label', label: 'Arbeidsrechtjurist' })).statusCode, 303)
  t.equal((await marieke.submit('/user/jan', '/user/jan/moderate', { action: 'label', label: 'Nep' })).statusCode, 403, 'only the beheerder gives expert labels')

  t.equal((await new Visitor(app).get('/leden')).statusCode, 303, 'a guest is sent to log in')
  const names = async (query: string): Promise<string[]> => allTextOfClass((await marieke.get(`/leden${query}`)).body, 'directory-name')
  t.equal((await names('')).length, 30, '30 a page')
  t.equal((await names('?page=2')).length, 38 - 30, 'the rest on page 2')
  t.same(await names('?q=groningen'), ['Marieke de Vries'], 'by organisation')
  t.same(await names('?q=vries'), ['Marieke de Vries'], 'by name')
  t.same(await names('?q=%25'), [], 'a LIKE wildcard is just a character')
  t.same(await names(`?region=${id('Noord')}`), ['Marieke de Vries'], 'by region')
  t.same(await names(`?sector=${id('Musea')}`), [], 'by sector')
  t.same(await names('?role=beheerder'), ['beheer'], 'by role')
  t.same(await names('?expert=1'), ['jan'], 'experts only')
  const jan = await marieke.get('/leden?expert=1')
  t.equal(textOfClass(jan.body, 'post-expert'), 'Arbeidsrechtjurist', 'the label beside the name')

  // A region that leaves the list leaves the profiles that chose it.
  await admin.submit('/admin', '/admin/lists', { regions: 'Zuid', sectors: 'Bibliotheken\nMusea' })
  t.equal((await app.db.selectFrom('users').select('region_id').where('username', '=', 'marieke').executeTakeFirstOrThrow()).region_id, null)
  t.equal((await app.db.selectFrom('users').select('sector_id').where('username', '=', 'marieke').executeTakeFirstOrThrow()).sector_id, Number(id('Bibliotheken')), 'a name that stays keeps its members')
})
