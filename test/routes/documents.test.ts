import t from 'tap'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { allTextOfClass, buildTestApp, loggedIn, textOfClass, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'
import { projectPath } from '../../src/lib/paths.js'
import { uploadsDirectory } from '../../src/config.js'

type File = { field: string, filename: string, type: string, data: Buffer }
const sample = async (name: string, as = name): Promise<File> =>
  ({ field: 'files', filename: as, type: 'application/octet-stream', data: await fs.readFile(projectPath('test', 'fixtures', 'uploads', name)) })
const image = async (): Promise<File> =>
  ({ field: 'files', filename: 'foto van de zaal.png', type: 'image/png', data: await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 20, g: 90, b: 160 } } }).png().toBuffer() })

async function setup (t: Parameters<typeof buildTestApp>[0]) {
  const app = await buildTestApp(t)
  const forum = await makeForum(app, 'Documenten en beleid')
  const author = await makeMember(app, 'bijdrager', 'bijdrager')
  await makeMember(app, 'lid')
  await makeMember(app, 'beheer', 'beheerder')
  await makeMember(app, 'mod', 'moderator')
  const { topic } = await makeTopic(app, { forumId: forum.id, author, title: 'Cao-teksten delen' })
  const filesOnDisk = async (): Promise<string[]> => fs.readdir(path.join(uploadsDirectory(app.config), 'files')).catch(() => [])
  return { app, forum, topic, author: await loggedIn(app, 'bijdrager'), filesOnDisk }
}

t.test('a bijdrager attaches documents and an image; they are listed, served safely, and only to readers', async t => {
  const { app, forum, topic, author, filesOnDisk } = await setup(t)
  const files = [await sample('verslag.docx', 'Verslag één "juni".docx'), await sample('begroting.xlsx'), await sample('cao-tekst.pdf'), await image(), await sample('leden.csv')]
  const sent = await author.submitMultipart(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Hierbij de stukken.' }, files)
  t.equal(sent.statusCode, 303, sent.body.slice(0, 500))
  const stored = await app.db.selectFrom('uploads').selectAll().orderBy('id').execute()
  t.same(stored.map(file => [file.name, file.mime.split(';')[0]]), [
    ['Verslag één "juni".docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['begroting.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ['cao-tekst.pdf', 'application/pdf'],
    ['foto van de zaal.png', 'image/png'],
    ['leden.csv', 'text/csv']
  ], 'each judged by its content')
  t.equal((await filesOnDisk()).length, 6, 'five files and one thumbnail')

  const page = await new Visitor(app).get(`/topic/${topic.slug}`)
  t.same(allTextOfClass(page.body, 'attachment-list').length, 1)
  t.match(textOfClass(page.body, 'attachment-list'), /^Verslag één "juni".docx Word · 1 kB ?begroting.xlsx Excel · 1 kB/, 'a list with name, kind and size')
  t.match(page.body, /<a class="attachment-image" href="\/files\/\d+\/foto%20van%20de%20zaal.png"><img src="\/files\/\d+\/thumb"/, 'the image as a thumbnail')

  const word = await new Visitor(app).get(`/files/${stored[0].id}/x`)
  t.equal(word.statusCode, 200)
  t.equal(word.headers['content-disposition'], 'attachment; filename="Verslag een _juni_.docx"; filename*=UTF-8\'\'Verslag%20%C3%A9%C3%A9n%20%22juni%22.docx', 'RFC 6266 names: é, spaces and quotes')
  t.equal(word.headers['x-content-type-options'], 'nosniff')
  t.match(String(word.headers['content-security-policy']), "default-src 'none'; sandbox")
  t.same(Buffer.from(word.rawPayload), (await sample('verslag.docx')).data, 'the very bytes')
  const picture = await new Visitor(app).get(`/files/${stored[3].id}/foto.png`)
  t.match(String(picture.headers['content-disposition']), /^inline;/, 'images inline')
  const thumb = await new Visitor(app).get(`/files/${stored[3].id}/thumb`)
  t.match(await sharp(thumb.rawPayload).metadata(), { format: 'webp', width: 320 }, 'a small thumbnail')

  const list = await new Visitor(app).get(`/forum/${forum.slug}/documents`)
  t.equal(allTextOfClass(list.body, 'document').length, 5, 'the forum\'s documents')
  const admin = await loggedIn(app, 'beheer')
  t.match(textOfClass((await admin.get('/user/bijdrager')).body, 'profile-disk-usage'), /^5 · \d+ kB$/, 'the beheerder sees what a member stores')

  // Hidden: the files go with the post, for everyone but moderators.
  const post = stored[0].post_id
  const mod = await loggedIn(app, 'mod')
  t.equal((await mod.submit(`/topic/${topic.slug}`, `/post/${post}/moderate`, { action: 'hide', reason: 'later' })).statusCode, 303)
  t.equal((await new Visitor(app).get(`/files/${stored[0].id}/x`)).statusCode, 404, 'a hidden post\'s file is not found')
  t.equal((await mod.get(`/files/${stored[0].id}/x`)).statusCode, 200, 'its moderator still has it')
  t.equal(allTextOfClass((await new Visitor(app).get(`/forum/${forum.slug}/documents`)).body, 'document').length, 0, 'nor listed')
  t.equal((await new Visitor(app).get('/files/999999/x')).statusCode, 404)
})

t.test('bad files are refused clearly, the typed text kept, nothing stored', async t => {
  const { app, topic, author, filesOnDisk } = await setup(t)
  const body = { body: 'Mijn zorgvuldig getypte reactie.' }
  const posts = async (): Promise<number> => Number((await app.db.selectFrom('posts').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const before = await posts()
  const bytes = (text: string | Buffer, filename: string): File => ({ field: 'files', filename, type: 'application/pdf', data: Buffer.isBuffer(text) ? text : Buffer.from(text) })
  const cases: Array<[string, File[], string]> = [
    ['HTML renamed to .pdf', [bytes('<!doctype html><script>alert(1)</script>', 'cao.pdf')], 'geen toegestaan soort bestand'],
    ['an executable renamed to .pdf', [bytes(Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(200)]), 'cao.pdf')], 'geen toegestaan soort bestand'],
    ['a GIF/HTML polyglot', [bytes('GIF89a<html><script>alert(1)</script></html>', 'plaatje.gif')], 'geen toegestaan soort bestand'],
    ['an SVG', [bytes('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 'logo.svg')], 'geen toegestaan soort bestand'],
    ['text that is not UTF-8', [bytes(Buffer.from([0xff, 0xfe, 0x00, 0x41]), 'notitie.txt')], 'geen toegestaan soort bestand'],
    ['a 0-byte file', [bytes('', 'leeg.pdf')], 'is leeg'],
    ['10 MB + 1 byte', [bytes(Buffer.concat([(await sample('cao-tekst.pdf')).data, Buffer.alloc(10 * 1024 * 1024 + 1)]), 'groot.pdf')], 'te groot'],
    ['six files', await Promise.all(Array.from({ length: 6 }, () => sample('cao-tekst.pdf'))), 'Hoogstens 5 bestanden']
  ]
  for (const [name, files, message] of cases) {
    const answer = await author.submitMultipart(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, body, files)
    t.equal(answer.statusCode, 400, `${name}: refused`)
    t.match(answer.body, message, `${name}: says why`)
    t.match(answer.body, 'Mijn zorgvuldig getypte reactie.', `${name}: the text kept`)
  }
  t.equal(await posts(), before, 'no post stored')
  t.same(await filesOnDisk(), [], 'no file left on disk')

  // Control characters are stripped from a multipart form's text as from any form's.
  t.equal((await author.submitMultipart(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Schoon\u0000\u001b[31m bericht' }, [])).statusCode, 303)
  t.equal((await app.db.selectFrom('posts').select('body_md').orderBy('id', 'desc').executeTakeFirstOrThrow()).body_md, 'Schoon[31m bericht')
  const guestUpload = await app.inject({ method: 'POST', url: `/topic/${topic.slug}/reply`, headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x\r\nContent-Disposition: form-data; name="body"\r\n\r\nHallo\r\n--x--\r\n' })
  t.equal(guestUpload.statusCode, 303, 'a guest is sent to log in before the body is read')
  t.match(String(guestUpload.headers.location), /^\/login/)
  const beforeLid = await posts()
  const lid = await loggedIn(app, 'lid')
  const byLid = await lid.submitMultipart(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, body, [await sample('cao-tekst.pdf')])
  t.equal(byLid.statusCode, 400)
  t.match(byLid.body, 'vanaf de rol Bijdrager')
  t.equal(await posts(), beforeLid, 'a lid attaches nothing')

  // Stored as they are, under clean names: a zip bomb is a DOCX we never unpack; names lose their paths and tricks.
  const odd = [await sample('bom.docx', '../../etc/passwd.docx'), await sample('notitie.txt', `notitie\u0000\u202Etxt.exe.txt`), await sample('leden.csv', `${'x'.repeat(300)}.csv`)]
  const started = performance.now()
  const accepted = await author.submitMultipart(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, body, odd)
  t.equal(accepted.statusCode, 303)
  t.ok(performance.now() - started < 5000, 'the zip bomb is not unpacked')
  const names = (await app.db.selectFrom('uploads').select(['name', 'size', 'stored_name']).orderBy('id').execute())
  t.equal(names[0].name, 'passwd.docx', 'no folders in a name')
  t.equal(names[0].size, (await sample('bom.docx')).data.length, 'stored as sent')
  t.equal(names[1].name, 'notitietxt.exe.txt', 'no NUL, no direction override')
  t.equal([...names[2].name].length, 120, 'long names cut')
  t.ok(names.every(file => /^[0-9a-f]{32}\.\w+$/.test(file.stored_name)), 'stored under generated names')

  const newTopic = await author.submitMultipart(`/forum/${(await app.db.selectFrom('forums').select('slug').executeTakeFirstOrThrow()).slug}/new`,
    `/forum/${(await app.db.selectFrom('forums').select('slug').executeTakeFirstOrThrow()).slug}/new`, { title: 'Nieuwe regeling', body: 'Zie bijlage.' }, [await sample('notulen.odt')])
  t.equal(newTopic.statusCode, 303, 'a new topic carries files too')
  t.equal((await app.db.selectFrom('uploads').select('name').where('name', '=', 'notulen.odt').execute()).length, 1)
})

t.test('an edit adds and removes files, five at most in all', async t => {
  const { app, topic, author, filesOnDisk } = await setup(t)
  await author.submitMultipart(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Eerste versie.' }, [await sample('cao-tekst.pdf'), await sample('leden.csv')])
  const first = await app.db.selectFrom('uploads').selectAll().orderBy('id').execute()
  const post = first[0].post_id
  const edited = await author.submitMultipart(`/post/${post}/edit`, `/post/${post}/edit`, { body: 'Tweede versie.', remove_files: String(first[0].id) }, [await sample('notitie.txt')])
  t.equal(edited.statusCode, 303, edited.body.slice(0, 300))
  const now = await app.db.selectFrom('uploads').select('name').orderBy('id').execute()
  t.same(now.map(file => file.name), ['leden.csv', 'notitie.txt'], 'one taken off, one added')
  t.equal((await filesOnDisk()).length, 2, 'the removed file is gone from the disk')
  const tooMany = await author.submitMultipart(`/post/${post}/edit`, `/post/${post}/edit`, { body: 'Derde versie.' }, await Promise.all([1, 2, 3, 4].map(() => sample('cao-tekst.pdf'))))
  t.equal(tooMany.statusCode, 400, 'two kept and four new is six')
  t.match(tooMany.body, 'Hoogstens 5 bestanden')
  t.match(tooMany.body, 'Derde versie.', 'the text kept')
  t.equal((await filesOnDisk()).length, 2, 'nothing new stored')
  t.equal((await app.db.selectFrom('posts').select('body_md').where('id', '=', post).executeTakeFirstOrThrow()).body_md, 'Tweede versie.')
})
