import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import yauzl from 'yauzl'
import sharp from 'sharp'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, csrfToken, dataEnv, decodeEntities, loggedIn, textOfClass, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'
import { createUser } from '../../src/models/users.js'
import { hashPassword } from '../../src/lib/passwords.js'
import { saveSetting } from '../../src/models/settings.js'
import { projectPath } from '../../src/lib/paths.js'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'

const NAME = 'marieke_vdberg'
const EMAIL = 'marieke.vandenberg@voorbeeld.nl'
const DISPLAY = 'Marieke van den Berg'
const PDF = readFileSync(projectPath('test/fixtures/uploads/cao-tekst.pdf'))

/** Every entry of a ZIP, by name. */
function unzip (data: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(data, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error)
      const entries = new Map<string, Buffer>()
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (error, stream) => {
          if (error) return reject(error)
          const chunks: Buffer[] = []
          stream.on('data', chunk => chunks.push(chunk)).on('end', () => { entries.set(entry.fileName, Buffer.concat(chunks)); zip.readEntry() })
        })
      })
      zip.on('end', () => resolve(entries)).on('error', reject)
      zip.readEntry()
    })
  })
}

/** Files under a folder, with their bytes. */
function filesUnder (dir: string): Array<{ file: string, data: Buffer }> {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map(name => path.join(dir, name))
    .filter(file => statSync(file).isFile()).map(file => ({ file, data: readFileSync(file) }))
}

/** Marieke with a profile, a topic, a reply with a file, a like, a follow and a draft; Jan mentions and quotes her. */
async function mariekeAndFriends (app: FastifyInstance) {
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  await createUser(app.db, { username: NAME, email: EMAIL, passwordHash: await hashPassword(PASSWORD, 10), role: 'bijdrager' })
  const { topic } = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Verlof bij reorganisatie', replies: 1 })
  const marieke = await loggedIn(app, NAME)
  const photo = await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: 200, g: 60, b: 40 } } }).jpeg().toBuffer()
  t.equal((await marieke.submitMultipart('/account/profile', '/account/profile', { display_name: DISPLAY, organisation: 'Bibliotheek Zuid', job_title: '', website: '', bio: '', region: '', sector: '' },
    [{ field: 'avatar', filename: 'ik.jpg', type: 'image/jpeg', data: photo }])).statusCode, 303)
  t.equal((await marieke.submitMultipart(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Bij ons regelt de cao dat, zie bijlage.' }, [{ field: 'files', filename: 'cao-tekst.pdf', type: 'application/pdf', data: PDF }])).statusCode, 303)
  const herPost = (await app.db.selectFrom('posts').select('id').where('body_md', 'like', 'Bij ons regelt%').executeTakeFirstOrThrow()).id
  const janPost = (await app.db.selectFrom('posts').select('id').where('topic_id', '=', topic.id).where('position', '=', 1).executeTakeFirstOrThrow()).id
  t.equal((await marieke.submit(`/topic/${topic.slug}`, `/post/${janPost}/like`, {})).statusCode, 303)
  t.equal((await marieke.submit(`/topic/${topic.slug}`, '/drafts', { form: `reply:${topic.id}`, body: 'Nog een gedachte' })).statusCode < 400, true)
  const janV = await loggedIn(app, 'jan')
  const quote = decodeEntities(/<textarea[^>]*>([\s\S]*?)<\/textarea>/.exec((await janV.get(`/topic/${topic.slug}/reply?quote=${herPost}`)).body)![1])
  t.equal((await janV.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: `${quote}\n\nDank je @Marieke_vdBerg, dat helpt.` })).statusCode, 303)
  await app.notifier.flush()
  return { topic, jan, janV, marieke, herPost }
}

t.test('a member downloads their data, alone, as a ZIP made in the background', async t => {
  const app = await buildTestApp(t)
  const { marieke, janV, topic } = await mariekeAndFriends(app)
  t.equal((await new Visitor(app).get('/account/export')).statusCode, 303, 'a guest is sent to log in')
  t.equal((await marieke.submit('/account/export', '/account/export', {})).statusCode, 303)
  t.match((await marieke.get('/account/export')).body, /wordt gemaakt/, 'while it is being made, the page says so')
  await app.memberData.flush()
  const page = (await marieke.get('/account/export')).body
  const link = /href="(\/account\/export\/\d+)"/.exec(page)![1]
  const mail = await app.db.selectFrom('outbox').selectAll().where('to_address', '=', EMAIL).where('subject', '=', 'Je gegevens staan klaar').executeTakeFirst()
  t.ok(mail, 'a mail says it is ready')

  t.equal((await janV.get(link)).statusCode, 404, 'another member cannot fetch it')
  t.equal((await new Visitor(app).get(link)).statusCode, 303, 'nor can a guest')
  const download = await marieke.get(link)
  t.equal(download.statusCode, 200)
  t.equal(download.headers['content-type'], 'application/zip')
  t.match(download.headers['content-disposition'], /attachment; filename="kring-marieke_vdberg-\d{4}-\d\d-\d\d\.zip"/)
  const entries = await unzip(download.rawPayload)
  const data = JSON.parse(entries.get('data.json')!.toString())
  t.equal(data.profile.email, EMAIL)
  t.equal(data.profile.display_name, DISPLAY)
  t.equal(data.profile.password_hash, undefined, 'no password hash')
  t.same(data.posts.map((post: { body_md: string }) => post.body_md), ['Bij ons regelt de cao dat, zie bijlage.'])
  t.equal(data.posts[0].topic, 'Verlof bij reorganisatie')
  t.match(data.posts[0].permalink, /\/post\/\d+$/)
  t.equal(data.likes.length, 1)
  t.equal(data.drafts[0].body, 'Nog een gedachte')
  t.ok(data.follows.length >= 1, 'the topic she replied to, followed')
  t.ok(data.sessions.length >= 1)
  t.same(entries.get(data.uploads[0].file), PDF, 'her file, byte for byte')
  t.ok(entries.get(data.profile.avatar)!.length > 0, 'and her avatar')
  const index = entries.get('index.html')!.toString()
  t.match(index, /Gegevens van marieke_vdberg/)
  t.match(index, /Bij ons regelt de cao dat/)
  t.notMatch(JSON.stringify(data), /jan@example\.org/, "nothing of another member but names")

  // After 7 days it is gone, file and all.
  await app.db.updateTable('data_exports').set({ expires_at: Date.now() - 1 }).execute()
  await app.memberData.flush()
  t.equal((await marieke.get(link)).statusCode, 404)
  t.same(readdirSync(path.join(app.config.dataDir, 'exports')), [])
  t.ok(topic)
})

t.test('erasure: asked with the password, called off by a login, done after the grace period, leaving no trace', async t => {
  const app = await buildTestApp(t)
  const { marieke, janV, topic, herPost } = await mariekeAndFriends(app)
  // Reasons written about her, by a member and a moderator, name her; and someone took a name like the one erasure gives.
  t.equal((await janV.submit(`/topic/${topic.slug}`, `/post/${herPost}/report`, { reason: `${NAME} (${EMAIL}) zet reclame neer` })).statusCode, 303)
  await makeMember(app, 'moderator1', 'moderator')
  const moderator = await loggedIn(app, 'moderator1')
  t.equal((await moderator.submit(`/topic/${topic.slug}`, `/post/${herPost}/moderate`, { action: 'hide', reason: `gemeld door jan over ${NAME}` })).statusCode, 303)
  t.equal((await moderator.submit(`/topic/${topic.slug}`, `/post/${herPost}/moderate`, { action: 'unhide', reason: '' })).statusCode, 303)
  const herId = (await app.db.selectFrom('users').select('id').where('username', '=', NAME).executeTakeFirstOrThrow()).id
  await makeMember(app, `verwijderd-${herId}`)
  const page = await marieke.get('/account/delete')
  t.match(textOfClass(page.body, 'erasure-policy'), /blijven staan/, 'the policy is shown before deciding')
  const wrong = await marieke.postRaw('/account/delete', { _csrf: csrfToken(page.body)!, password: 'niet het wachtwoord' })
  t.equal(wrong.statusCode, 400, 'the wrong password is refused')
  t.equal((await app.db.selectFrom('users').select('erase_after').where('username', '=', NAME).executeTakeFirstOrThrow()).erase_after, null)
  t.equal((await marieke.postRaw('/account/delete', { password: PASSWORD })).statusCode, 403, 'without the form token: refused')

  t.equal((await marieke.submit('/account/delete', '/account/delete', { password: PASSWORD })).statusCode, 303)
  t.ok((await app.db.selectFrom('outbox').select('id').where('to_address', '=', EMAIL).where('subject', '=', 'Je account wordt verwijderd').executeTakeFirst()), 'a mail confirms it')
  t.equal((await marieke.get('/account')).statusCode, 303, 'logged out everywhere')
  // A forgotten password is a way in too: resetting it calls the erasure off as well.
  await app.db.updateTable('users').set({ erase_after: Date.now() + 60_000 }).where('username', '=', NAME).execute()
  const forgot = new Visitor(app)
  t.ok((await forgot.submit('/password/forgot', '/password/forgot', { login: NAME })).statusCode < 400)
  const resetMail = await app.db.selectFrom('outbox').select('text_body').where('to_address', '=', EMAIL).where('text_body', 'like', '%/password/reset/%').executeTakeFirstOrThrow()
  const resetPath = /\/password\/reset\/[\w-]+/.exec(resetMail.text_body)![0]
  t.equal((await forgot.submit(resetPath, resetPath, { password: PASSWORD })).statusCode, 303)
  t.equal((await app.db.selectFrom('users').select('erase_after').where('username', '=', NAME).executeTakeFirstOrThrow()).erase_after, null, 'a password reset calls it off')
  await app.db.updateTable('users').set({ erase_after: Date.now() + 60_000 }).where('username', '=', NAME).execute()
  const back = new Visitor(app)
  const login = await back.login(NAME, PASSWORD)
  t.equal(login.headers.location, '/account')
  t.match(textOfClass((await back.get('/account')).body, 'flash'), /niet verwijderd/, 'a login calls it off')
  t.equal((await app.db.selectFrom('users').select('erase_after').where('username', '=', NAME).executeTakeFirstOrThrow()).erase_after, null)

  t.equal((await back.submit('/account/delete', '/account/delete', { password: PASSWORD })).statusCode, 303)
  await app.memberData.flush()
  t.equal((await app.db.selectFrom('users').select('erased_at').where('email', '=', EMAIL).executeTakeFirstOrThrow()).erased_at, null, 'not before the grace period ends')
  await app.db.updateTable('users').set({ erase_after: Date.now() - 1 }).where('email', '=', EMAIL).execute()
  await app.memberData.flush()

  const topicPage = (await janV.get(`/topic/${topic.slug}`)).body
  t.match(topicPage, /Bij ons regelt de cao dat/, 'her post stays (policy keep)')
  t.match(topicPage, /verwijderd lid/, 'under "verwijderd lid"')
  t.match(topicPage, /Dank je verwijderd lid, dat helpt/, 'a mention of her names nobody')
  t.notMatch(topicPage, new RegExp(NAME), 'her name is on no page')
  t.equal((await janV.get(`/user/${NAME}`)).statusCode, 404)
  t.equal((await janV.get(`/post/${herPost}`)).statusCode, 302)
  // The username and the address are free again.
  t.ok(await createUser(app.db, { username: NAME, email: EMAIL, passwordHash: 'x' }))
  await app.db.deleteFrom('users').where('username', '=', NAME).execute()

  const reasons = await app.db.selectFrom('reports').select('reason').execute()
  t.same(reasons.map(r => r.reason), ['verwijderd lid (verwijderd lid) zet reclame neer'], 'a report about her names nobody')
  t.ok((await app.db.selectFrom('moderation_log').select('reason').execute()).some(r => r.reason === 'gemeld door jan over verwijderd lid'), "the moderator's reason names nobody, the act stays")

  const dataDir = app.config.dataDir
  await app.close()
  const traces = [NAME, EMAIL, DISPLAY, 'Bibliotheek Zuid', 'Nog een gedachte']
  for (const { file, data } of filesUnder(dataDir)) {
    // In any case: a mention may have been typed "@Marieke_vdBerg".
    const text = data.toString('latin1').toLowerCase()
    for (const trace of traces) t.notOk(text.includes(trace.toLowerCase()), `${path.relative(dataDir, file)} holds no "${trace}"`)
  }
  t.notOk(filesUnder(path.join(dataDir, 'uploads')).some(({ data }) => data.equals(PDF)), 'her file is gone from the uploads folder')
  t.same(readdirSync(path.join(dataDir, 'uploads', 'avatars')), [], 'and her avatar')
})

t.test('kring user erase removes the posts when the beheerder chose so; kring user export writes the ZIP', async t => {
  const app = await buildTestApp(t)
  const { topic } = await mariekeAndFriends(app)
  await saveSetting(app.db, 'erased_posts', 'remove')
  const { dataDir, databaseUrl } = app.config
  const env = { ...process.env, ...dataEnv(app) }
  await app.close()
  const kring = (...args: string[]): Promise<{ code: number, stdout: string, stderr: string }> => new Promise(resolve => {
    execFile(process.execPath, ['--import', 'tsx', projectPath('src', 'cli.ts'), ...args], { cwd: projectPath(), env },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }))
  })
  const zip = path.join(mkdtempSync(path.join(tmpdir(), 'kring-export-')), 'marieke.zip')
  t.teardown(() => rmSync(path.dirname(zip), { recursive: true, force: true }))
  const exported = await kring('user', 'export', NAME, zip)
  t.equal(exported.code, 0, exported.stderr)
  t.equal(JSON.parse((await unzip(readFileSync(zip))).get('data.json')!.toString()).profile.username, NAME)
  t.equal((await kring('user', 'erase', 'niemand')).code, 1, 'an unknown member is an error')
  const erased = await kring('user', 'erase', NAME)
  t.equal(erased.code, 0, erased.stderr)
  t.match(erased.stdout, /removed/)

  // Not buildTestApp: that would give this test a fresh, empty folder.
  const again = await buildApp(loadConfig({}, { dataDir, databaseUrl, demo: false, logLevel: 'silent' }))
  t.teardown(() => again.close())
  const page = (await new Visitor(again).get(`/topic/${topic.slug}`)).body
  t.notMatch(page, /Bij ons regelt de cao dat/, 'her post is removed, also from the quote of it')
  t.match(page, /Dit bericht is verwijderd/)
  t.notOk(filesUnder(path.join(dataDir, 'uploads')).some(({ data }) => data.equals(PDF)), 'the file of her removed post is gone from the disk too')
  t.match(page, /verwijderd lid schreef:/)
  t.match(page, /Dank je verwijderd lid/)
})

t.test('the beheerder chooses what happens to an erased member\'s posts', async t => {
  const app = await buildTestApp(t)
  await makeMember(app, 'beheer', 'beheerder')
  const admin = await loggedIn(app, 'beheer')
  t.match((await admin.get('/admin')).body, /<select id="setting-erased_posts" name="erased_posts">/)
  t.equal((await admin.submit('/admin', '/admin/settings', { erased_posts: 'weggooien' })).statusCode, 400)
  t.equal(app.settings.erased_posts, 'keep')
  t.equal((await admin.submit('/admin', '/admin/settings', { erased_posts: 'remove' })).statusCode, 303)
  t.equal(app.settings.erased_posts, 'remove')
  await makeMember(app, 'piet')
  t.match(textOfClass((await (await loggedIn(app, 'piet')).get('/account/delete')).body, 'erasure-policy'), /worden verwijderd/, 'and the member reads it before deciding')
})

t.test('an export names no topic the member no longer reads', async t => {
  const app = await buildTestApp(t)
  const { marieke } = await mariekeAndFriends(app)
  await makeMember(app, 'beheer', 'beheerder')
  const admin = await loggedIn(app, 'beheer')
  t.equal((await admin.submit('/admin', '/admin/groups', { name: 'Bestuur', description: '', kind: 'closed' })).statusCode, 303)
  const forum = await makeForum(app, 'Bestuurszaken')
  const group = await app.db.selectFrom('groups').select('id').where('slug', '=', 'bestuur').executeTakeFirstOrThrow()
  await app.db.updateTable('forums').set({ private: 1, group_id: group.id }).where('id', '=', forum.id).execute()
  const me = await app.db.selectFrom('users').select('id').where('username', '=', NAME).executeTakeFirstOrThrow()
  await app.db.insertInto('group_members').values({ group_id: group.id, user_id: me.id, manager: 0, joined_at: Date.now(), created_at: Date.now() }).execute()
  const { topic } = await makeTopic(app, { forumId: forum.id, author: (await app.db.selectFrom('users').selectAll().where('username', '=', 'beheer').executeTakeFirstOrThrow()), title: 'Geheime reorganisatieplannen' })
  t.equal((await marieke.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/watch`, { level: 'watching' })).statusCode, 303)
  t.equal((await marieke.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Mijn reactie in het bestuur' })).statusCode, 303)
  // She leaves the group: the topic is no longer hers to read.
  await app.db.deleteFrom('group_members').where('user_id', '=', me.id).execute()
  t.equal((await marieke.submit('/account/export', '/account/export', {})).statusCode, 303)
  await app.memberData.flush()
  const link = /href="(\/account\/export\/\d+)"/.exec((await marieke.get('/account/export')).body)![1]
  const data = (await unzip((await marieke.get(link)).rawPayload)).get('data.json')!.toString()
  t.notMatch(data, /Geheime reorganisatieplannen/)
  t.ok(JSON.parse(data).posts.some((post: { body_md: string, topic: string | null }) => post.body_md === 'Mijn reactie in het bestuur' && post.topic === null), 'her post there is hers, without the title')
  t.ok(JSON.parse(data).follows.some((follow: { level: string, topic: string | null }) => follow.level === 'watching' && follow.topic === null), 'the follow itself is listed')
})
