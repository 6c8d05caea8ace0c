import t from 'tap'
import { buildTestApp, sqliteOf, textOfClass } from '../helper.js'
import { memberOnOwnTopic } from '../factories.js'

t.test('a full disk answers 503 with the typed text kept, and writes work again when room returns', async t => {
  // SQLite's own way to fill the disk; database-restart.test.ts is PostgreSQL's counterpart.
  const app = await buildTestApp(t, { databaseUrl: null })
  const { topic, visitor, token } = await memberOnOwnTopic(app)

  // SQLite's max_page_count stands in for a full disk: the database may not grow past its size now.
  const pages = sqliteOf(app).pragma('page_count', { simple: true }) as number
  sqliteOf(app).pragma(`max_page_count = ${pages}`)
  const postsBefore = await app.db.selectFrom('posts').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()

  const body = `Een lang verhaal. ${'Tekst die niet verloren mag gaan. '.repeat(1500)}`
  let full
  for (let attempt = 0; attempt < 20; attempt++) {
    full = await visitor.postRaw(`/topic/${topic.slug}/reply`, { _csrf: token, body })
    if (full.statusCode === 503) break
  }
  t.equal(full!.statusCode, 503, 'the disk filled up and the write was refused')
  t.ok(full!.headers['retry-after'], 'with Retry-After')
  t.match(textOfClass(full!.body, 'error-reason') ?? '', /opslag van het forum is vol/)
  t.match(full!.body, 'Tekst die niet verloren mag gaan.', 'the typed text comes back in a form')
  t.match(full!.body, `action="/topic/${topic.slug}/reply"`, 'a form that sends it again')
  t.notMatch(full!.body, /SQLITE|at async|node_modules/, 'no internals on the page')

  t.equal((await app.inject('/')).statusCode, 200, 'the forum still answers')
  const stillReadable = await visitor.get(`/topic/${topic.slug}`)
  t.equal(stillReadable.statusCode, 200, 'and reads still work')

  sqliteOf(app).pragma('max_page_count = 4294967294')
  const retry = await visitor.postRaw(`/topic/${topic.slug}/reply`, { _csrf: token, body })
  t.equal(retry.statusCode, 303, 'with room again the same post is stored')
  const postsAfter = await app.db.selectFrom('posts').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  t.ok(Number(postsAfter.n) > Number(postsBefore.n), 'the post is there')
  t.equal(sqliteOf(app).pragma('integrity_check', { simple: true }), 'ok')
})
