import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { allTextOfClass, buildTestApp, insertPosts, loggedIn, sqliteOf, textOfClass, Visitor } from '../helper.js'
import { makeForum, makeMember } from '../factories.js'
import { createTopic } from '../../src/models/topics.js'
import { createReply } from '../../src/models/posts.js'
import type { Locale } from '../../src/config.js'
import { parseQuery } from '../../src/search/query.js'
import { searchWords, STOPWORDS } from '../../src/search/text.js'
import { freshPostgresDatabase, testOnPostgres } from '../postgres-databases.js'

async function post (app: FastifyInstance, forumId: number, authorId: number, title: string, body: string, now = Date.now() - 3600_000) {
  return createTopic(app.db, { forumId, authorId, title, bodyMd: body, bodyHtml: `<p>${body}</p>`, now })
}

const titles = async (app: FastifyInstance, q: string, visitor: Visitor = new Visitor(app)): Promise<string[]> => {
  const page = await visitor.get(`/search?${new URLSearchParams({ q })}`)
  if (page.statusCode !== 200) throw new Error(`search "${q}" answered ${page.statusCode}`)
  return allTextOfClass(page.body, 'search-title')
}

async function setup (t: Test, locale: Locale = 'nl') {
  const app = await buildTestApp(t, { locale })
  const forum = await makeForum(app)
  const noord = await makeForum(app, 'Regio Noord')
  const jan = await makeMember(app, 'jan')
  const els = await makeMember(app, 'els')
  return { app, forum, noord, jan, els }
}

t.test('Dutch: inflections, diacritics, phrases, prefixes, exclusion and every filter', async t => {
  const { app, forum, noord, jan, els } = await setup(t)
  await post(app, forum.id, jan.id, 'Innovatie in de bibliotheek', 'Eén idee: de cao\'s vergelijken voor thuiswerken.', Date.parse('2025-06-01T10:00:00Z'))
  await post(app, noord.id, els.id, 'Verzuim en de Wet verbetering poortwachter', 'Hoe pakken jullie het re-integratieverslag aan?', Date.parse('2026-02-01T10:00:00Z'))
  await post(app, forum.id, els.id, 'Roosters', 'Wij werken met een jaarrooster en een café-overleg.', Date.parse('2026-03-01T10:00:00Z'))

  t.same(await titles(app, 'innovaties'), ['Innovatie in de bibliotheek'], 'innovaties finds innovatie')
  t.same(await titles(app, 'een idee'), ['Innovatie in de bibliotheek'], 'een finds één')
  t.same(await titles(app, 'cao'), ['Innovatie in de bibliotheek'], 'cao finds cao\'s')
  t.same(await titles(app, 'bibliotheken'), ['Innovatie in de bibliotheek'], 'a plural finds the singular in a title')
  t.same(await titles(app, 'cafe'), ['Roosters'], 'cafe finds café')
  t.same(await titles(app, 'cafés'), ['Roosters'], 'and so does the plural cafés')
  t.same(await titles(app, 'ideeën'), ['Innovatie in de bibliotheek'], 'ideeën finds idee')
  t.same(await titles(app, '"wet verbetering poortwachter"'), ['Verzuim en de Wet verbetering poortwachter'], 'a phrase')
  t.same(await titles(app, '"poortwachter wet"'), [], 'a phrase in another order is not that phrase')
  t.same(await titles(app, 'poortw*'), ['Verzuim en de Wet verbetering poortwachter'], 'a prefix')
  t.same(await titles(app, 'ver*'), ['Verzuim en de Wet verbetering poortwachter', 'Innovatie in de bibliotheek'], 'a short prefix, newest first')
  t.equal(parseQuery('ver*', 'nl').rankable, false, 'a short prefix is not ranked: it stands for too many words')
  t.equal(parseQuery('poortw* idee', 'nl').rankable, true)
  t.same(await titles(app, 'een -jaarrooster'), ['Innovatie in de bibliotheek'], 'exclusion')
  t.same(await titles(app, 'werken @els'), ['Roosters'], '@name')
  t.same(await titles(app, 'verzuim in:regio-noord'), ['Verzuim en de Wet verbetering poortwachter'], 'in:forum')
  t.same(await titles(app, 'verzuim in:algemeen'), [], 'in another forum: nothing')
  t.same(await titles(app, 'roosters in:titel'), ['Roosters'], 'in:titel')
  t.same(await titles(app, 'jaarrooster in:titel'), [], 'in:titel leaves bodies out')
  t.same((await titles(app, 'een voor:2026-01-01')).sort(), ['Innovatie in de bibliotheek'], 'voor:')
  t.same((await titles(app, 'een na:2026-02-15')).sort(), ['Roosters'], 'na:')

  const page = await new Visitor(app).get('/search?q=idee')
  t.equal(textOfClass(page.body, 'search-count')?.split(' · ')[0], '1 resultaat', 'the count in words')
  t.match(page.body, '<mark>idee</mark>', 'the found word is marked in the snippet')
  t.match(page.body, /<a class="search-title" href="\/post\/\d+">/, 'each result links to its post')
  t.equal((await titles(app, 'een')).length, 2)
  const latest = allTextOfClass((await new Visitor(app).get('/search?q=een&order=latest')).body, 'search-title')
  t.same(latest, ['Roosters', 'Innovatie in de bibliotheek'], 'newest first')
  t.match((await new Visitor(app).get('/search?q=geenenkelresultaat')).body, 'Niets gevonden.')
  t.match((await new Visitor(app).get('/search?q=de+het+van')).body, 'Niets gevonden.', 'stopwords alone find nothing')
  t.same(await titles(app, '"verbetering van de poortwachter"'), ['Verzuim en de Wet verbetering poortwachter'], 'a phrase skips stopwords as the index does')
  t.same(await titles(app, `a${jan.id} f${forum.id}`), [], 'the index\'s author and forum terms are not found as words')
  t.match((await new Visitor(app).get('/')).body, 'action="/search"', 'a search box on every page')
})

t.test('Swedish and English stemming', async t => {
  const sv = await setup(t, 'sv')
  await post(sv.app, sv.forum.id, sv.jan.id, 'Bibliotekarie söker nätverk', 'Åtgärder för fler läsare.')
  t.same(await titles(sv.app, 'bibliotekarier'), ['Bibliotekarie söker nätverk'], 'bibliotekarier finds bibliotekarie')
  t.same(await titles(sv.app, 'atgard'), ['Bibliotekarie söker nätverk'], 'å ä ö folded')
  const en = await setup(t, 'en')
  await post(en.app, en.forum.id, en.jan.id, 'Public libraries', 'Running a library for everyone.')
  t.same(await titles(en.app, 'library run'), ['Public libraries'], 'library and running by their stems')
})

t.test('only what the reader may read: hidden, queued, moved and split posts come and go', async t => {
  const { app, forum, noord, jan, els } = await setup(t)
  await makeMember(app, 'mod', 'moderator')
  const { topic, post: first } = await post(app, forum.id, jan.id, 'Pensioenregeling', 'De pensioenregeling verandert.')
  const reply = await createReply(app.db, { topicId: topic.id, authorId: els.id, bodyMd: 'Vraag over pensioen bij deeltijd.', bodyHtml: '<p>x</p>' })
  const mod = await loggedIn(app, 'mod')
  const member = await loggedIn(app, 'jan')
  t.equal((await titles(app, 'pensioen*')).length, 2)
  await mod.submit(`/topic/${topic.slug}`, `/post/${reply.id}/moderate`, { action: 'hide' })
  t.equal((await titles(app, 'pensioen*', member)).length, 1, 'a hidden post is gone for members')
  t.match(textOfClass((await member.get('/search?q=deeltijd')).body, 'empty'), 'Niets gevonden.', 'also from the count')
  t.equal((await titles(app, 'deeltijd', mod)).length, 1, 'a moderator still finds it')
  await mod.submit(`/topic/${topic.slug}`, `/post/${reply.id}/moderate`, { action: 'unhide' })
  t.equal((await titles(app, 'deeltijd')).length, 1, 'restored: found again')
  await mod.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/moderate`, { action: 'hide' })
  t.same(await titles(app, 'pensioen*'), [], 'a hidden topic is gone')
  await mod.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/moderate`, { action: 'unhide' })
  await mod.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/moderate`, { action: 'move', forum: noord.slug })
  t.equal((await titles(app, 'pensioen* in:regio-noord')).length, 2, 'moved: found in its new forum')
  await mod.submit(`/post/${first.id}/edit`, `/post/${first.id}/edit`, { title: 'Pensioen en deeltijd', body: 'Nieuwe tekst over de AOW.' })
  t.same(await titles(app, 'aow'), ['Pensioen en deeltijd'], 'an edit is found by its new words, under the new title')
  t.same(await titles(app, 'verandert'), [], 'and not by the old ones')
  const queued = await createReply(app.db, { topicId: topic.id, authorId: els.id, bodyMd: 'Wachtend bericht over lijfrente.', bodyHtml: '<p>x</p>', queued: true })
  t.same(await titles(app, 'lijfrente', member), [], 'a queued post is not found')
  await mod.submit('/moderation/queue', `/post/${queued.id}/moderate`, { action: 'approve' })
  t.equal((await titles(app, 'lijfrente', member)).length, 1, 'approved: found')
})

t.test('whatever is typed, the page answers 200, and snippets are safe', async t => {
  const { app, forum, jan } = await setup(t)
  await post(app, forum.id, jan.id, 'Escaping <b>test</b>', 'Een <script>alert(1)</script> tekst met "quotes" & ampersand over verlof.')
  const hostile = ['"', '""', '"""', '(', ')', '()', '*', '**', '* *', 'a*', '-', '--', '-verlof', 'NOT', 'AND', 'OR', 'NEAR', 'NEAR(verlof tekst)',
    'verlof NEAR/2 tekst', 'col:verlof', 'title:verlof', 'body:x', '{title}: verlof', '^verlof', 'verlof^', '+verlof', 'verlof OR', 'OR verlof', '"verlof',
    'verlof"', "'", "';--", 'drop table posts', '%', '_', '\\', '\u0000', '\uD800', '\uDC00x', '😀', 'ü'.repeat(300), 'x'.repeat(2000),
    'verlof '.repeat(100), '@', '@@', 'in:', 'in:titel', 'in:../etc', 'voor:', 'voor:2026-13-45', 'na:abc', '<script>', '&amp;', '\r\n', '\t', ' ', '#', 'a"b"c',
    '(verlof', 'verlof)', '[verlof]', '{verlof}', 'verlof:', ':verlof', 'MATCH', "posts_fts MATCH 'x'"]
  t.ok(hostile.length >= 50, `${hostile.length} hostile queries`)
  for (const q of hostile) {
    // A lone surrogate cannot be encoded: send the bytes a browser might, invalid UTF-8 and all.
    const encoded = /[\uD800-\uDFFF]/.test(q) ? q.replace(/[\uD800-\uDFFF]/g, '%ED%A0%80').replace(/[^%\w]/g, c => encodeURIComponent(c)) : encodeURIComponent(q)
    const response = await new Visitor(app).get(`/search?q=${encoded}`)
    if (response.statusCode !== 200) t.fail(`${JSON.stringify(q).slice(0, 40)} answered ${response.statusCode}`)
  }
  t.pass('all answered 200')
  const page = await new Visitor(app).get('/search?q=verlof')
  const result = /<li class="search-result">[\s\S]*?<\/li>/.exec(page.body)![0]
  t.notMatch(result, '<script>', 'no live markup from the post')
  t.notMatch(result, '<b>', 'nor from the title')
  t.match(result, '&#60;script', 'it is escaped')
  t.match(result, '<mark>verlof</mark>')
})

t.test('past 1,000 matches the count says "more than", and the pages stop there', async t => {
  const { app, forum, jan } = await setup(t)
  const topic = await post(app, forum.id, jan.id, 'Agenda', 'De agenda van de kennissessie.', Date.parse('2026-01-01T10:00:00Z'))
  await insertPosts(app, Array.from({ length: 1004 }, (_, n) => {
    const i = n + 2
    return { topic_id: topic.topic.id, author_id: jan.id, position: i, visible_position: i, body_md: `Agendapunt ${i}: de agenda.`, body_html: '', created_at: Date.parse('2026-01-01T10:00:00Z') + i * 1000, fanned_out: 1 }
  }))
  const first = await new Visitor(app).get('/search?q=agenda')
  t.equal(textOfClass(first.body, 'search-count')?.split(' · ')[0], 'Meer dan 1.000 resultaten')
  t.match(first.body, /page(=|&#x3D;)100"/, 'a link to the last page of the thousand')
  t.notMatch(first.body, /page(=|&#x3D;)101"/, 'and none past it')
  const last = await new Visitor(app).get('/search?q=agenda&order=latest&page=100')
  t.equal(allTextOfClass(last.body, 'search-title').length, 10, 'page 100 is full')
  const narrowed = await new Visitor(app).get('/search?q=agenda+voor:2026-01-01')
  t.match(narrowed.body, 'Niets gevonden.', 'a date filter bounds the window too')
})

t.test('an index that is not current is built again at start, and in another language when the site changes it', async t => {
  const dataDir = t.testdir()
  const { buildApp } = await import('../../src/app.js')
  const { loadConfig } = await import('../../src/config.js')
  // On PostgreSQL every start opens the same database of this test's own.
  const postgres = testOnPostgres ? await freshPostgresDatabase() : null
  const start = async (locale: Locale) => buildApp(loadConfig({}, { dataDir, demo: false, logLevel: 'silent', passwordCost: 10, locale, databaseUrl: postgres?.url ?? null }))
  const running = new Set<FastifyInstance>()
  const started = async (locale: Locale) => { const app = await start(locale); running.add(app); return app }
  const stop = async (app: FastifyInstance) => { running.delete(app); await app.close() }
  t.teardown(async () => {
    for (const app of running) await app.close()
    await postgres?.drop()
  })
  let app = await started('nl')
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  await post(app, forum.id, jan.id, 'Bibliotheken', 'Bibliotekarier och innovaties.')
  if (app.dialect === 'postgres') {
    await sql`delete from post_search`.execute(app.db)
    await sql`update search_index_state set built = ''`.execute(app.db)
  } else {
    sqliteOf(app).exec("insert into posts_fts (posts_fts) values ('delete-all')")
    sqliteOf(app).exec("update search_index_state set built = ''")
  }
  t.same(await titles(app, 'innovatie'), [], 'the emptied index finds nothing')
  await stop(app)
  if (postgres !== null) {
    // Two processes starting at once: one builds, the other waits for it and finds the index current.
    const both = await Promise.all([started('nl'), started('nl')])
    for (const each of both) t.same(await titles(each, 'innovatie'), ['Bibliotheken'], 'rebuilt at start: Dutch stems')
    const { rows } = await sql<{ n: number }>`select count(*) as n from post_search`.execute(both[0].db)
    t.equal(rows[0].n, 1, 'each post indexed once')
    for (const each of both) await stop(each)
  } else {
    app = await started('nl')
    t.same(await titles(app, 'innovatie'), ['Bibliotheken'], 'rebuilt at start: Dutch stems')
    await stop(app)
  }
  app = await started('sv')
  t.same(await titles(app, 'bibliotekarie'), ['Bibliotheken'], 'a Swedish site: rebuilt with Swedish stems')
})

t.test('PostgreSQL prepares words as text.ts does: its copy of the stopwords and rules keeps in step', { skip: !testOnPostgres && 'the SQL copy exists on PostgreSQL only' }, async t => {
  const app = await buildTestApp(t)
  const sample = 'Eén café-overleg: de cao\'s, re-integratie & 2026 x ' + 'a'.repeat(41) + ' Åtgärder e-mail'
  for (const locale of ['nl', 'en', 'sv'] as const) {
    const stopwords = [...STOPWORDS[locale]].join(' ')
    const { rows } = await sql<{ words: string }>`select kring_search_words(${locale}, ${`${stopwords} ${sample}`}) as words`.execute(app.db)
    t.same(rows[0].words.split(' ').filter(word => word !== ''), searchWords(`${stopwords} ${sample}`, locale), `${locale}: the same words, stopwords left out`)
  }
})
