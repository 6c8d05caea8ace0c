import t from 'tap'
import { execFile } from 'node:child_process'
import path from 'node:path'
import { readFileSync, writeFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { projectPath } from '../../src/lib/paths.js'
import { verifyPassword } from '../../src/lib/passwords.js'
import { allTextOfClass, countsHold, postIds, textOfClass, Visitor } from '../helper.js'

interface Run { code: number, stdout: string, stderr: string, ms: number }

const FIXTURE = projectPath('test', 'fixtures', 'bbpress', 'hr-forum.wxr')
const WXR = readFileSync(FIXTURE, 'utf8')
const TOPIC = '/topic/de-hr-afdeling-laat-sociale-innovatie-voorlopig-liggen'
const BASE_URL = 'https://forum.example.nl'

/** Runs the real `kring` command against a data folder. */
function kring (dataDir: string, env: Record<string, string>, ...args: string[]): Promise<Run> {
  const started = Date.now()
  return new Promise(resolve => {
    execFile(process.execPath, ['--import', 'tsx', projectPath('src', 'cli.ts'), ...args], {
      cwd: projectPath(), env: { ...process.env, DATA_DIR: dataDir, KRING_DEMO: '0', BASE_URL, SMTP_URL: '', ...env }, maxBuffer: 16 * 1024 * 1024
    }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, ms: Date.now() - started })
    })
  })
}

async function appOn (t: { teardown: (fn: () => unknown) => void }, dataDir: string): Promise<FastifyInstance> {
  const app = await buildApp(loadConfig({}, { dataDir, demo: false, logLevel: 'silent', passwordCost: 10, baseUrl: BASE_URL }))
  t.teardown(() => app.close())
  return app
}

/** The line of the fixture (1-based) where this text first stands. */
function lineOf (text: string, source = WXR): number {
  return source.slice(0, source.indexOf(text)).split('\n').length
}

async function rowCounts (app: FastifyInstance): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const table of ['users', 'forums', 'topics', 'posts', 'outbox', 'imported_items', 'legacy_paths'] as const) {
    counts[table] = Number((await app.db.selectFrom(table).select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)
  }
  return counts
}

/** The line on which the item with this WordPress id begins (its <item>). */
function itemLine (id: number, source = WXR): number {
  const before = source.slice(0, source.indexOf(`<wp:post_id>${id}</wp:post_id>`))
  return before.slice(0, before.lastIndexOf('<item>')).split('\n').length
}

/** One more reply item in the fixture's shape, before the channel ends. */
function withItem (source: string, item: { id: number, parent: number, date: string, creator: string, text: string, status?: string, type?: string }): string {
  const xml = `
	<item>
		<title><![CDATA[Reactie op: iets]]></title>
		<link>https://forum.hrcultuur.nl/forums/reply/${item.id}/</link>
		<dc:creator><![CDATA[${item.creator}]]></dc:creator>
		<content:encoded><![CDATA[${item.text}]]></content:encoded>
		<wp:post_id>${item.id}</wp:post_id>
		<wp:post_date_gmt><![CDATA[${item.date}]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[${item.id}]]></wp:post_name>
		<wp:status><![CDATA[${item.status ?? 'publish'}]]></wp:status>
		<wp:post_parent>${item.parent}</wp:post_parent>
		<wp:menu_order>0</wp:menu_order>
		<wp:post_type><![CDATA[${item.type ?? 'reply'}]]></wp:post_type>
	</item>`
  return source.replace('\n</channel>', `${xml}\n</channel>`)
}

t.test('a bbPress export becomes a Kring forum that reads like the original, with its old URLs and no duplicates on a second run', async t => {
  const dir = t.testdir({ 'roles.csv': 'username,role\nmarieke,Keymaster\nsanne.bakker,Bijdrager\npieter,moderator\nannemiek,Lid\n' })
  const run = await kring(dir, { SMTP_URL: 'smtp://127.0.0.1:9' }, 'import-bbpress', FIXTURE, '--roles', path.join(dir, 'roles.csv'))
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, /4 forums, 5 topics, 14 replies, 6 new members \(5 mailed a link to set their password\)/)
  t.match(run.stdout, /Left out: 1 spam, 1 trash\n/)
  t.match(run.stderr, new RegExp(`line ${lineOf('<wp:author_login><![CDATA[oud-lid]]>')}: author "oud-lid": no e-mail address: imported with oud-lid\\.\\w+@no-mail\\.invalid, which receives no mail`))
  t.match(run.stderr, /\[#{30}\] [\d,]+ \/ [\d,]+ bytes read/, 'a progress bar on stderr')
  t.comment(`fixture imported in ${run.ms} ms (process start included)`)

  const app = await appOn(t, dir)
  const page1 = await app.inject(TOPIC)
  t.equal(page1.statusCode, 200)
  t.equal(textOfClass(page1.body, 'topic-title'), 'De HR afdeling laat Sociale Innovatie voorlopig liggen!')
  t.equal(textOfClass(page1.body, 'topic-forum'), 'Geplaatst in Algemeen')
  t.same(allTextOfClass(page1.body, 'pagination-count'), Array(2).fill('10 berichten aan het bekijken - 1 tot 10 (van in totaal 12)'))
  // By date, then id: 53896 was written before 53895. Old ids are kept, so old #post-ID links land.
  t.same(postIds(page1.body), [53890, 53891, 53892, 53893, 53894, 53896, 53895, 53897, 53898, 53899])
  t.same(allTextOfClass(page1.body, 'post-author-name'), ['Jan de Vries', 'Sanne Bakker', 'Pieter Smit', 'Annemiek Visser', 'Jan de Vries', 'Pieter Smit', 'Marieke Jansen', 'Oud lid', 'Sanne Bakker', 'Annemiek Visser'])
  t.same(allTextOfClass(page1.body, 'post-role'), ['Lid', 'Bijdrager', 'Moderator', 'Lid', 'Lid', 'Moderator', 'Beheerder', 'Lid', 'Bijdrager', 'Lid'])
  t.match(page1.body, '<time datetime="2019-03-04T08:12:00.000Z"', 'the date is kept')
  t.match(page1.body, /<blockquote>\s*<p>De directie wil eerst de reorganisatie afronden<\/p>\s*<\/blockquote>/)
  t.match(page1.body, /<ul>\s*<li>een korte notitie van één A4<\/li>\s*<li>een voorbeeld uit een <em>vergelijkbare<\/em> organisatie<\/li>/)
  t.match(page1.body, '<a href="https://www.ser.nl/nl/thema/sociale-innovatie" rel="nofollow ugc noopener">dossier van de SER</a>')
  t.match(page1.body, '<a href="https://forum.hrcultuur.nl/forums/forum/regios/regio-noord/" rel="ugc noopener">', "a beheerder's link drops nofollow, as Kring renders it")
  t.match(page1.body, '<a class="mention" href="/user/pieter"')
  const page2 = await app.inject(`${TOPIC}/page/2`)
  t.same(postIds(page2.body), [53900, 53901])
  t.match(page2.body, /<ol>\s*<li>in september starten we met één pilotteam<\/li>/)

  const opening = await app.db.selectFrom('posts').select(['body_md']).where('id', '=', 53890).executeTakeFirstOrThrow()
  t.match(opening.body_md, '[dossier van de SER](https://www.ser.nl/nl/thema/sociale-innovatie)')
  t.match(opening.body_md, '**Sociale Innovatie**')
  t.equal(await app.db.selectFrom('posts').select('id').where('id', 'in', [53902, 53903]).executeTakeFirst(), undefined, 'spam and trash stay out')

  const closed = await app.db.selectFrom('topics').selectAll().where('title', '=', 'Ervaringen met het nieuwe cao-akkoord').executeTakeFirstOrThrow()
  t.equal(closed.locked, 1)
  t.match((await app.inject(`/topic/${closed.slug}`)).body, 'Dit onderwerp is gesloten voor nieuwe reacties.')
  const sticky = await app.db.selectFrom('topics').selectAll().where('title', '=', 'Welkom op het forum: lees dit eerst').executeTakeFirstOrThrow()
  t.equal(sticky.pinned, 1)
  const forumPage = await app.inject('/forum/algemeen')
  t.ok(forumPage.body.indexOf('Welkom op het forum') < forumPage.body.indexOf('De HR afdeling laat'), 'the sticky topic leads its forum')
  const child = await app.db.selectFrom('forums as f').innerJoin('forums as p', 'p.id', 'f.parent_id').select(['f.slug', 'p.slug as parent']).where('f.name', '=', 'Regio Noord').executeTakeFirstOrThrow()
  t.same(child, { slug: 'regio-noord', parent: 'regios' })
  const topic = await app.db.selectFrom('topics').selectAll().where('slug', '=', TOPIC.slice(7)).executeTakeFirstOrThrow()
  t.same([topic.post_count, topic.reply_count, topic.last_post_id, topic.created_at], [12, 11, 53901, Date.UTC(2019, 2, 4, 8, 12)])
  await countsHold(t, app, 'the import')
  t.match((await app.inject('/search?q=pilotteam')).body, /1 resultaat/, 'the search index is current')

  for (const [url, location] of [
    ['/forums/topic/de-hr-afdeling-laat-sociale-innovatie-voorlopig-liggen/', TOPIC],
    ['/forums/topic/de-hr-afdeling-laat-sociale-innovatie-voorlopig-liggen', TOPIC],
    ['/forums/topic/de-hr-afdeling-laat-sociale-innovatie-voorlopig-liggen/page/1/', TOPIC],
    // bbPress showed 15 posts a page: its page 2 began with the 16th post, on Kring's page 2.
    ['/forums/topic/de-hr-afdeling-laat-sociale-innovatie-voorlopig-liggen/page/2/', `${TOPIC}/page/2`],
    ['/forums/forum/algemeen/', '/forum/algemeen'],
    ['/forums/forum/regios/', '/forum/regios'],
    ['/forums/forum/regios/regio-noord/', '/forum/regio-noord'],
    ['/forums/reply/53901/', '/post/53901'],
    ['/?p=53890', TOPIC],
    ['/?post_type=topic&p=53890', TOPIC],
    ['/?p=53895', '/post/53895'],
    ['/?post_type=reply&p=53901', '/post/53901'],
    ['/?topic=ervaringen-met-het-nieuwe-cao-akkoord', `/topic/${closed.slug}`],
    ['/index.php?p=53931', '/post/53931']
  ]) {
    const answer = await app.inject(url)
    t.same([answer.statusCode, answer.headers.location], [301, location], url)
  }
  // A guest's page cache keeps 200s only: the index, kept, does not swallow an old ?p= address, nor the other way round.
  t.equal((await app.inject('/')).statusCode, 200)
  t.equal((await app.inject('/?p=53890')).statusCode, 301)
  t.equal((await app.inject('/?p=53890')).statusCode, 301, 'a 301 is answered again, not from the cache')
  t.equal((await app.inject('/')).statusCode, 200)
  const permalink = await app.inject('/post/53895')
  t.match(permalink.headers.location, `${TOPIC}#post-53895`, 'an old #post-ID is the post\'s own anchor')
  t.equal((await app.inject('/?p=999999')).statusCode, 200, 'an unknown ?p= is the index as before')
  t.match((await app.inject('/?p=999999')).body, 'Algemeen')
  t.equal((await app.inject('/forums/topic/bestaat-niet/')).statusCode, 404)
  // A hidden bbPress forum is private here (its group none: moderators and beheerders only), and its old URLs tell guests nothing.
  t.equal((await app.db.selectFrom('forums').select('private').where('slug', '=', 'bestuur').executeTakeFirstOrThrow()).private, 1)
  t.equal((await app.inject('/forums/forum/bestuur/')).statusCode, 404)
  t.equal((await app.inject('/forums/topic/begroting-2020/')).statusCode, 404)
  t.equal((await app.inject('/?p=53940')).statusCode, 200, 'the index, as for an unknown id')
  t.notMatch((await app.inject('/search?q=begroting')).body, 'Begroting 2020')

  // Members without a password, and a link to set one in the outbox.
  const members = await app.db.selectFrom('users').select(['username', 'email', 'password_hash', 'role']).orderBy('id').execute()
  t.same(members.map(m => [m.username, m.role]), [['marieke', 'beheerder'], ['jdevries', 'lid'], ['sanne.bakker', 'bijdrager'], ['pieter', 'moderator'], ['annemiek', 'lid'], ['oud-lid', 'lid']])
  for (const member of members) t.notOk(await verifyPassword('', member.password_hash), `${member.username} has no password that works`)
  const remembered = await app.db.selectFrom('imported_items').select('old_id').where('kind', '=', 'user').execute()
  t.equal(remembered.length, 6)
  t.notOk(remembered.some(row => members.some(m => row.old_id.includes(m.username))), 'the mapping holds no login, so erasing a member leaves no name behind')
  const mails = await app.db.selectFrom('outbox').select(['to_address', 'subject', 'text_body']).orderBy('id').execute()
  t.same(mails.map(m => m.to_address), ['marieke@hrcultuur.nl', 'j.devries@bibliotheek-noord.nl', 'sanne.bakker@museumzuid.nl', 'pieter@theaterwest.nl', 'annemiek@archiefoost.nl'])
  t.equal(mails[0].subject, 'Je account op het nieuwe forum: stel een wachtwoord in')
  const link = new RegExp(`${BASE_URL}/password/reset/([\\w-]+)`).exec(mails[1].text_body)
  t.ok(link, 'the mail holds a link to set the password')
  const jan = new Visitor(app)
  const set = await jan.submit(`/password/reset/${link![1]}`, `/password/reset/${link![1]}`, { password: 'een nieuw lang wachtwoord' })
  t.equal(set.statusCode, 303, 'the link sets a password through the password-reset flow')
  const again = new Visitor(app)
  t.equal((await again.login('jdevries', 'een nieuw lang wachtwoord')).statusCode, 303, 'and the imported member logs in with it')
  t.match((await again.get('/account')).body, 'j.devries@bibliotheek-noord.nl')

  // The same export again adds nothing; a later export with a new reply adds just that.
  const before = await rowCounts(app)
  const rerun = await kring(dir, { SMTP_URL: 'smtp://127.0.0.1:9' }, 'import-bbpress', FIXTURE)
  t.equal(rerun.code, 0, rerun.stderr)
  t.match(rerun.stdout, /0 forums, 0 topics, 0 replies, 0 new members \(0 mailed/)
  t.same(await rowCounts(app), before, 'nothing duplicated')
  const later = path.join(dir, 'later.wxr')
  writeFileSync(later, withItem(WXR, { id: 53904, parent: 53890, date: '2019-03-09 10:00:00', creator: 'pieter', text: 'Nog een <strong>late</strong> reactie.' }))
  const third = await kring(dir, {}, 'import-bbpress', later)
  t.equal(third.code, 0, third.stderr)
  t.match(third.stdout, /0 forums, 0 topics, 1 replies, 0 new members/)
  t.same(postIds((await app.inject(`${TOPIC}/page/2`)).body), [53900, 53901, 53904])
  t.equal(textOfClass((await app.inject(TOPIC)).body, 'pagination-count'), '10 berichten aan het bekijken - 1 tot 10 (van in totaal 13)')
  await countsHold(t, app, 'a later export')
})

t.test('what is not sound is left out and reported with its line; the rest is imported', async t => {
  const dir = t.testdir()
  let source = withItem(WXR, { id: 53895, parent: 53890, date: '2019-03-09 11:00:00', creator: 'pieter', text: 'Dubbel id.' })
  source = withItem(source, { id: 53950, parent: 99999, date: '2019-03-09 12:00:00', creator: 'pieter', text: 'Mijn onderwerp is weg.' })
  source = withItem(source, { id: 53960, parent: 50, date: '2019-03-09 13:00:00', creator: 'pieter', text: 'Koop nu!', status: 'spam', type: 'topic' })
  source = withItem(source, { id: 53961, parent: 53960, date: '2019-03-09 14:00:00', creator: 'annemiek', text: 'Ook spam.' })
  const file = path.join(dir, 'broken.wxr')
  writeFileSync(file, source)
  const run = await kring(dir, {}, 'import-bbpress', file)
  t.equal(run.code, 0, run.stderr)
  t.match(run.stderr, `line ${lineOf('Dubbel id.', source) - 4}: reply 53895: the same id as the reply at line ${itemLine(53895)}: skipped`)
  t.match(run.stderr, `line ${lineOf('Mijn onderwerp is weg.', source) - 4}: reply 53950: its topic 99999 is not in the file: skipped`)
  t.match(run.stdout, 'Left out: 2 spam, 1 trash, 1 in a topic left out', "a spam topic's replies go with it, unreported")
  t.notMatch(run.stderr, '53961')
  const app = await appOn(t, dir)
  t.equal(textOfClass((await app.inject(TOPIC)).body, 'pagination-count'), '10 berichten aan het bekijken - 1 tot 10 (van in totaal 12)', 'the sound thread is whole')
  t.notMatch((await app.inject(`${TOPIC}/page/2`)).body, 'Dubbel id.')
  t.equal(await app.db.selectFrom('posts').select('id').where('id', '=', 53950).executeTakeFirst(), undefined)
})

t.test('a file that is no sound XML, an XML bomb and an external entity are refused and nothing is written', async t => {
  const bomb = '<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY lol "lol">\n' +
    Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('\n') +
    '\n]>\n<rss><channel><link>https://x.example</link><title>&lol9;</title></channel></rss>\n'
  const xxe = '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n<rss><channel><link>https://x.example</link><item><title>&x;</title></item></channel></rss>\n'
  // A sound start, broken far down: nothing of the start is kept.
  const cut = WXR.replace('<wp:post_id>53931</wp:post_id>', '<wp:post_id>53931</wp:post_idd>')
  const cases: Array<[string, string, RegExp]> = [
    ['csv.wxr', 'username,role\nmarieke,beheerder\n', /not a well-formed XML file: line \d+, column \d+: text data outside of root node/],
    ['empty.wxr', '', /the file is empty/],
    ['html.wxr', '<html><body>hallo</body></html>', /line 1: the file begins with <html>, not <rss>/],
    ['bomb.wxr', bomb, /line \d+: a DOCTYPE is not part of a WordPress export .*refused/],
    ['xxe.wxr', xxe, /line \d+: a DOCTYPE is not part of a WordPress export .*refused/],
    ['cut.wxr', cut, new RegExp(`not a well-formed XML file: line ${lineOf('<wp:post_id>53931</wp:post_id>')}, column \\d+: unexpected close tag`)]
  ]
  for (const [name, content, message] of cases) {
    const dir = t.testdir({ [name]: content })
    const run = await kring(dir, {}, 'import-bbpress', path.join(dir, name))
    t.not(run.code, 0, `${name} is refused`)
    t.match(run.stderr, message, name)
    t.match(run.stderr, /nothing was imported/)
    t.notMatch(run.stderr + run.stdout, /root:/, 'no file was read')
    t.notMatch(run.stderr, /at .*\.ts:\d+/, 'no stack trace')
    const app = await appOn(t, dir)
    t.same(Object.values(await rowCounts(app)).every(n => n === 0), true, `${name}: nothing written`)
    await app.close()
  }
})

t.test('--roles lines that make no sense are reported with their line and ignored', async t => {
  const dir = t.testdir({ 'roles.csv': 'marieke,Keymaster\npieter,koning\n,lid\n' })
  const run = await kring(dir, {}, 'import-bbpress', FIXTURE, '--roles', path.join(dir, 'roles.csv'))
  t.equal(run.code, 0, run.stderr)
  t.match(run.stderr, /roles\.csv line 2: "pieter,koning" is not username,role/)
  t.match(run.stderr, /roles\.csv line 3:/)
  t.match(run.stdout, /mail is off/)
  const app = await appOn(t, dir)
  const roles = await app.db.selectFrom('users').select(['username', 'role']).where('username', 'in', ['marieke', 'pieter']).orderBy('username').execute()
  t.same(roles, [{ username: 'marieke', role: 'beheerder' }, { username: 'pieter', role: 'lid' }])
  t.equal(Number((await app.db.selectFrom('outbox').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n), 0, 'no mail without SMTP_URL')
})

t.test('a large export streams through', async t => {
  const topics = 400
  const parts: string[] = []
  for (let i = 0; i < topics; i++) {
    const id = 100_000 + i * 20
    const body = '<p>Dit is een langere tekst over <strong>verzuim</strong> en <em>vitaliteit</em> in de bibliotheek. '.repeat(8) + '</p>'
    parts.push(`
	<item><title><![CDATA[Onderwerp ${i}]]></title><link>https://forum.hrcultuur.nl/forums/topic/onderwerp-${i}/</link><dc:creator><![CDATA[jdevries]]></dc:creator>
		<content:encoded><![CDATA[${body}]]></content:encoded><wp:post_id>${id}</wp:post_id><wp:post_date_gmt><![CDATA[2020-01-01 10:00:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[onderwerp-${i}]]></wp:post_name><wp:status><![CDATA[publish]]></wp:status><wp:post_parent>50</wp:post_parent><wp:post_type><![CDATA[topic]]></wp:post_type></item>`)
    for (let r = 1; r < 20; r++) {
      parts.push(`
	<item><title><![CDATA[Reactie]]></title><link>https://forum.hrcultuur.nl/forums/reply/${id + r}/</link><dc:creator><![CDATA[${r % 2 === 0 ? 'pieter' : 'annemiek'}]]></dc:creator>
		<content:encoded><![CDATA[${body}]]></content:encoded><wp:post_id>${id + r}</wp:post_id><wp:post_date_gmt><![CDATA[2020-01-0${1 + (r % 9)} 1${r % 10}:00:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[${id + r}]]></wp:post_name><wp:status><![CDATA[publish]]></wp:status><wp:post_parent>${id}</wp:post_parent><wp:post_type><![CDATA[reply]]></wp:post_type></item>`)
    }
  }
  const dir = t.testdir()
  const file = path.join(dir, 'large.wxr')
  writeFileSync(file, WXR.replace('\n</channel>', `${parts.join('')}\n</channel>`))
  const size = readFileSync(file).length
  t.ok(size > 4_000_000, `a file of ${(size / 1e6).toFixed(1)} MB`)
  const run = await kring(dir, {}, 'import-bbpress', file)
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, `4 forums, ${5 + topics} topics, ${14 + topics * 19} replies`)
  t.comment(`${(size / 1e6).toFixed(1)} MB, ${topics * 20} posts imported in ${run.ms} ms (process start included)`)
  const app = await appOn(t, dir)
  t.equal(textOfClass((await app.inject('/topic/onderwerp-7')).body, 'pagination-count'), '10 berichten aan het bekijken - 1 tot 10 (van in totaal 20)')
  await countsHold(t, app, 'a large import')
})

t.test('an author is joined to an existing member only by the same name and address, and never takes another member\'s name', async t => {
  const dir = t.testdir()
  const before = await appOn(t, dir)
  const { createUser } = await import('../../src/models/users.js')
  // marieke is here already with the same address: the same person. Someone else here holds Jan's address; another shows as "Pieter Smit".
  const marieke = await createUser(before.db, { username: 'marieke', email: 'marieke@hrcultuur.nl', passwordHash: 'x' })
  const other = await createUser(before.db, { username: 'jan_elders', email: 'j.devries@bibliotheek-noord.nl', passwordHash: 'x' })
  await createUser(before.db, { username: 'psmit', email: 'psmit@example.org', passwordHash: 'x' })
  await before.db.updateTable('users').set({ display_name: 'Pieter Smit' }).where('username', '=', 'psmit').execute()
  await before.close()
  const run = await kring(dir, {}, 'import-bbpress', FIXTURE)
  t.equal(run.code, 0, run.stderr)
  t.match(run.stderr, /author "jdevries": "j\.devries@bibliotheek-noord\.nl" belongs to another member here/)
  const app = await appOn(t, dir)
  const jdevries = await app.db.selectFrom('users').selectAll().where('username', '=', 'jdevries').executeTakeFirstOrThrow()
  t.not(jdevries.id, other.id, 'not joined to the member who holds the address')
  t.match(jdevries.email, /@no-mail\.invalid$/)
  t.equal(Number((await app.db.selectFrom('posts').select(eb => eb.fn.countAll<number>().as('n')).where('author_id', '=', other.id).executeTakeFirstOrThrow()).n), 0, 'and none of the posts go to them')
  t.ok(Number((await app.db.selectFrom('posts').select(eb => eb.fn.countAll<number>().as('n')).where('author_id', '=', marieke.id).executeTakeFirstOrThrow()).n) > 0, 'the same name and address: her posts join her account')
  t.equal((await app.db.selectFrom('users').select('display_name').where('username', '=', 'pieter').executeTakeFirstOrThrow()).display_name, '', 'no second "Pieter Smit"')
})
