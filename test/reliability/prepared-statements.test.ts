import t from 'tap'
import pg from 'pg'
import { sql } from 'kysely'
import { buildTestApp, loggedIn } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'
import { testOnPostgres } from '../postgres-databases.js'

// PostgreSQL keeps each connection's statements prepared (src/db/postgres-statements.ts). A
// migration by another process can make a kept statement stale; pages must go on answering.

const skip = testOnPostgres ? false : 'runs with KRING_TEST_DB=postgres'

t.test('statements are kept prepared, searches are not, and a column added by another process breaks no page', { skip }, async t => {
  // One connection, so that what it keeps can be read through it.
  const app = await buildTestApp(t, { databasePoolSize: 1 })
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const { topic } = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Verlof in de zomer', replies: 3 })
  const visitor = await loggedIn(app, 'jan')
  for (let i = 0; i < 2; i++) t.equal((await visitor.get(`/topic/${topic.slug}`)).statusCode, 200)
  t.match((await visitor.get('/search?q=verlof')).body, 'Verlof in de zomer')

  const kept = (await sql<{ name: string, statement: string }>`select name, statement from pg_prepared_statements`.execute(app.db)).rows
  t.ok(kept.some(row => /from "sessions"/.test(row.statement)), 'the session lookup is kept prepared')
  t.ok(kept.every(row => row.name.startsWith('kring')), 'under Kring\'s names')
  t.same(kept.filter(row => /@@|tsquery/.test(row.statement)), [], 'a search is planned each time')

  // What another process's migration does to the tables under `select *`.
  const other = new pg.Client({ connectionString: app.config.databaseUrl! })
  await other.connect()
  t.teardown(() => other.end())
  await other.query('alter table users add column added_by_a_newer_kring integer')
  const page = await visitor.get(`/topic/${topic.slug}`)
  t.equal(page.statusCode, 200, 'the member\'s page answers: the stale statement is prepared again')
  t.match(page.body, 'Verlof in de zomer')

  const readTopic = (): Promise<Array<{ title: string }>> => app.db.transaction().execute(trx => trx.selectFrom('topics').selectAll().where('id', '=', topic.id).execute())
  await readTopic()
  await other.query('alter table topics add column added_by_a_newer_kring integer')
  const inTransaction = readTopic()
  await t.rejects(inTransaction, { code: '0A000' }, 'in a transaction the statement fails (the transaction may have read other rows): the request answers "busy"')
  const after = await readTopic()
  t.equal(after[0].title, 'Verlof in de zomer', 'and the next time it is prepared anew')
})
