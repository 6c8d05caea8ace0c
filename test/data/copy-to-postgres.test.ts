import t from 'tap'
import { execFile } from 'node:child_process'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import SQLite from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import { loggedIn, NO_POSTING_LIMITS, Visitor } from '../helper.js'
import { PASSWORD } from '../factories.js'
import { buildForum } from '../sample-forum.js'
import { databaseUrl } from '../postgres-databases.js'
import { projectPath } from '../../src/lib/paths.js'
import { loadConfig } from '../../src/config.js'
import { buildApp } from '../../src/app.js'
import { planCopy } from '../../src/data/copy-to-postgres-plan.js'
import { compareRows, describeDifferences } from '../../src/data/copy-to-postgres-verify.js'

// `kring copy-to-postgres URL`: a SQLite forum moved to PostgreSQL, as the operator runs it (SPEC, growing past one machine).

const server = process.env.KRING_TEST_PG
const skip = server ? false : 'KRING_TEST_PG is not set (a URL to a PostgreSQL server\'s postgres database, e.g. postgres://postgres@/postgres?host=/tmp/kring-pg&port=5499)'

interface Run { code: number, stdout: string, stderr: string, ms: number }

/** Runs the real `kring` command against a data folder, on its SQLite file (no DATABASE_URL). */
function kring (dataDir: string, ...args: string[]): Promise<Run> {
  const started = Date.now()
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, KRING_LOCALE: 'nl' }
  delete env.DATABASE_URL
  return new Promise(resolve => {
    execFile(process.execPath, ['--import', 'tsx', projectPath('src', 'cli.ts'), ...args], { cwd: projectPath(), env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, ms: Date.now() - started })
    })
  })
}

/** A new PostgreSQL database with nothing in it (not even Kring's tables), dropped when the test ends. */
async function emptyDatabase (t: { teardown: (fn: () => unknown) => void }, name: string): Promise<string> {
  const admin = async (statement: string): Promise<void> => {
    const client = new pg.Client({ connectionString: server })
    await client.connect()
    try {
      await client.query(statement)
    } finally {
      await client.end()
    }
  }
  await admin(`drop database if exists ${name} with (force)`)
  await admin(`create database ${name}`)
  t.teardown(() => admin(`drop database if exists ${name} with (force)`))
  return databaseUrl(name, server)
}

const counted = ['users', 'forums', 'topics', 'posts', 'post_likes', 'uploads', 'groups', 'group_members', 'settings', 'notifications', 'sessions']

async function countsOn (app: FastifyInstance): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const table of counted) counts[table] = Number((await app.db.selectFrom(table as 'users').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)
  return counts
}

function countsIn (file: string): Record<string, number> {
  const sqlite = new SQLite(file, { readonly: true })
  try {
    return Object.fromEntries(counted.map(table => [table, (sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n]))
  } finally {
    sqlite.close()
  }
}

t.test('copy-to-postgres: the forum reads the same on PostgreSQL, and the copy is checked', { skip }, async t => {
  const dataDir = path.join(t.testdir(), 'forum')
  const config = { dataDir, demo: false, logLevel: 'silent', passwordCost: 10 }
  const source = await buildApp(loadConfig({}, { ...config, databaseUrl: null }))
  let forum: Awaited<ReturnType<typeof buildForum>>
  try {
    Object.assign(source.settings, NO_POSTING_LIMITS)
    forum = await buildForum(source)
  } finally {
    await source.close()
  }
  const file = path.join(dataDir, 'kring.sqlite')
  // Posts deleted after the last one: SQLite's AUTOINCREMENT never gives their ids out again.
  const sqlite = new SQLite(file)
  sqlite.prepare("update sqlite_sequence set seq = seq + 50 where name = 'posts'").run()
  const highest = (sqlite.prepare("select seq from sqlite_sequence where name = 'posts'").get() as { seq: number }).seq
  sqlite.close()
  const before = countsIn(file)

  const url = await emptyDatabase(t, `kring_copy_${process.pid}`)
  const copied = await kring(dataDir, 'copy-to-postgres', url)
  t.equal(copied.code, 0, copied.code === 0 ? 'the copy succeeds' : copied.stderr)
  t.match(copied.stdout, /^Copied [\d,]+ rows in \d+ tables to postgres:\/\//)
  t.match(copied.stdout, /and [\d,]+ rows of \d+ tables column by column, all 6 posts among them \(SHA-256 [0-9a-f]{16}… on both sides\)/)
  t.match(copied.stdout, /All 1 uploaded files the forum names are in /)
  t.match(copied.stderr, /\[#+\] [\d,]+ \/ [\d,]+ rows copied/, 'a progress bar on stderr')
  const lines = copied.stdout.trim().split('\n')
  t.match(lines[lines.length - 1], `Start Kring with DATABASE_URL=${url} and UPLOADS_DIR=${path.join(dataDir, 'uploads')}`, 'the last line says how to start')
  t.comment(`copy-to-postgres took ${copied.ms} ms (a whole CLI process)`)

  const moved = await buildApp(loadConfig({}, { ...config, databaseUrl: url }))
  t.teardown(() => moved.close())
  Object.assign(moved.settings, NO_POSTING_LIMITS)
  t.same(await countsOn(moved), before, 'every table has as many rows as on SQLite')
  const page = await new Visitor(moved).get(`/topic/${forum.topic}`)
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Verlof bij de bibliotheek')
  t.match(page.body, 'zeldzaamheidsregeling')
  t.match(page.body, 'Ja, zie artikel 4 van de cao.', 'a guest reads the topic with its replies')
  t.equal((await new Visitor(moved).get(`/topic/${forum.secretTopic}`)).statusCode, 404, 'the private forum stays private')
  t.notMatch(page.body, '06-12345678', 'the hidden post stays hidden')
  t.match((await new Visitor(moved).get(`/topic/${forum.eventTopic}`)).body, 'Utrecht', 'the event is there')
  const piet = new Visitor(moved)
  await piet.login('piet', PASSWORD)
  t.pass('piet logs in with his password')
  const anna = await loggedIn(moved, 'anna')
  t.equal((await anna.get(`/topic/${forum.secretTopic}`)).statusCode, 200, 'anna, in the group, reads the private forum')
  const download = await anna.get(`/files/${forum.upload.id}/${encodeURIComponent(forum.upload.name)}`)
  t.equal(download.statusCode, 200)
  t.ok(download.rawPayload.equals(forum.pdf), 'the uploaded file downloads from the same UPLOADS_DIR')

  const reply = await piet.submit(`/topic/${forum.topic}`, `/topic/${forum.topic}/reply`, { body: 'Een nieuw bericht op PostgreSQL.' })
  t.equal(reply.statusCode, 303, reply.body.slice(0, 300))
  const newest = await moved.db.selectFrom('posts').select(eb => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()
  t.equal(Number(newest.id), highest + 1, 'a new post is numbered after the highest id SQLite gave out')
  t.match((await new Visitor(moved).get(`/topic/${forum.topic}`)).body, 'Een nieuw bericht op PostgreSQL.')
  const found = await new Visitor(moved).get('/search?q=zeldzaamheidsregeling')
  t.match(found.body, 'Verlof bij de bibliotheek', 'search finds a copied post')

  await moved.notifier.flush() // the new reply's notifications are written after it
  const after = await countsOn(moved)
  const again = await kring(dataDir, 'copy-to-postgres', url)
  t.not(again.code, 0, 'a second copy into the now full database is refused')
  t.match(again.stderr, /^kring: The PostgreSQL database is not empty \(.*users: 3 rows.*\): copy into a new, empty database; nothing was written/)
  t.notMatch(again.stderr, /at .*\.ts:\d+/, 'without a stack trace')
  t.same(await countsOn(moved), after, 'and wrote nothing')

  // The check that keeps a copy from committing, on rows that no longer match: a post changed, one added.
  const first = await moved.db.selectFrom('posts').select(eb => eb.fn.min('id').as('id')).executeTakeFirstOrThrow()
  await moved.db.updateTable('posts').set({ body_md: 'Iets anders' }).where('id', '=', Number(first.id)).execute()
  const reader = new SQLite(file, { readonly: true })
  t.teardown(() => reader.close())
  const posts = (await planCopy(reader, moved.db)).tables.find(table => table.name === 'posts')!
  const compared = await compareRows(reader, moved.db, posts, () => {})
  t.match(compared, { rows: 6, differ: [Number(first.id)], missing: [], extra: [highest + 1], problems: 2 })
  t.equal(describeDifferences('posts', compared), `2 rows of posts do not match (differ: ${Number(first.id)}; only on PostgreSQL: ${highest + 1})`)
})

t.test('copy-to-postgres refuses what is not an empty PostgreSQL database', { skip }, async t => {
  const dataDir = t.testdir()
  t.equal((await kring(dataDir, 'user', 'add', '--username', 'els', '--email', 'els@example.org', '--password', 'een lang wachtwoord')).code, 0)
  const mysql = await kring(dataDir, 'copy-to-postgres', 'mysql://kring:geheim@localhost/kring')
  t.not(mysql.code, 0)
  t.equal(mysql.stderr.trim(), 'kring: copy-to-postgres copies into PostgreSQL: the URL must start with postgres://, not "mysql://kring:***@localhost/kring"')
  t.match((await kring(dataDir, 'copy-to-postgres')).stderr, /^kring: copy-to-postgres needs URL/)

  const url = await emptyDatabase(t, `kring_copy_other_${process.pid}`)
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(() => client.end())
  await client.query('create table invoices (id int primary key)')
  const other = await kring(dataDir, 'copy-to-postgres', url)
  t.not(other.code, 0)
  t.match(other.stderr, /^kring: The PostgreSQL database at postgres:\/\/.* holds other tables \(invoices\): copy into a new, empty database; nothing was written/)
  const { rows } = await client.query<{ n: number }>("select count(*)::int as n from information_schema.tables where table_schema = 'public'")
  t.equal(rows[0]!.n, 1, 'not even migrated')

  // A value PostgreSQL refuses (SQLite keeps text in an integer column): the copy stops and keeps nothing.
  const sqlite = new SQLite(path.join(dataDir, 'kring.sqlite'))
  sqlite.prepare("update users set post_count = 'veel'").run()
  sqlite.close()
  const target = await emptyDatabase(t, `kring_copy_nul_${process.pid}`)
  const refused = await kring(dataDir, 'copy-to-postgres', target)
  t.not(refused.code, 0)
  t.match(refused.stderr, /^kring: Copying users failed, nothing was kept: invalid input syntax for type bigint: "veel"/m)
  const reader = new pg.Client({ connectionString: target })
  await reader.connect()
  t.teardown(() => reader.end())
  t.equal((await reader.query<{ n: number }>('select count(*)::int as n from users')).rows[0]!.n, 0, 'no member arrived')

  const missing = await kring(dataDir, 'copy-to-postgres', databaseUrl(`kring_copy_missing_${process.pid}`, server))
  t.match(missing.stderr, /^kring: Cannot reach the PostgreSQL database at .*: database "kring_copy_missing_\d+" does not exist/)
})

t.test('on PostgreSQL, the commands that work on the SQLite file say so and what to use instead', { skip }, async t => {
  const dataDir = t.testdir()
  const url = await emptyDatabase(t, `kring_sqlite_only_${process.pid}`)
  const onPostgres = (...args: string[]): Promise<{ code: number, stderr: string }> => new Promise(resolve => {
    execFile(process.execPath, ['--import', 'tsx', projectPath('src', 'cli.ts'), ...args], { cwd: projectPath(), env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: url } },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }))
  })
  const expected: Array<[string[], RegExp]> = [
    [['backup', path.join(dataDir, 'b.sqlite')], /kring backup works on the SQLite file; with DATABASE_URL, back up with pg_dump/],
    [['restore', projectPath('package.json')], /with DATABASE_URL, restore with pg_restore or psql/],
    [['export', path.join(dataDir, 'e.zip')], /kring export works on the SQLite file; with DATABASE_URL, export with pg_dump/],
    [['import-bbpress', projectPath('test', 'fixtures', 'bbpress', 'hr-forum.wxr')], /kring import-bbpress works on the SQLite file; with DATABASE_URL, import into a SQLite forum and move it with kring copy-to-postgres/],
    [['demo', '--posts', '10'], /kring demo works on the SQLite file/]
  ]
  for (const [args, message] of expected) {
    const run = await onPostgres(...args)
    t.equal(run.code, 1, `${args[0]} refuses`)
    t.match(run.stderr, message, `${args[0]} says what to use`)
  }
  t.notOk(await fs.stat(path.join(dataDir, 'b.sqlite')).catch(() => false), 'no backup file was written')
})

t.test('a PostgreSQL database that cannot be reached: the forum and the commands say so in one line', { skip }, async t => {
  const dataDir = t.testdir()
  const missing = databaseUrl(`kring_never_made_${process.pid}`, server!).replace(/^(postgres(?:ql)?:\/\/[^:@/]*)(?::[^@/]*)?@/, '$1:geheim@')
  const run = (file: string, ...args: string[]): Promise<{ code: number, stderr: string }> => new Promise(resolve => {
    execFile(process.execPath, ['--import', 'tsx', projectPath('src', file), ...args], { cwd: projectPath(), env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: missing, PORT: '0' } },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }))
  })
  const said = /^(?:kring|Configuration error): Cannot reach the PostgreSQL database at postgres:\/\/[^:@/]*:\*\*\*@[^/]*\/kring_never_made_\d+.* \(DATABASE_URL\): database "kring_never_made_\d+" does not exist\n$/
  const started = await run('server.ts')
  t.equal(started.code, 1, 'the forum does not start')
  t.match(started.stderr, said, 'and says why, without the password or a stack trace')
  const migrated = await run('cli.ts', 'migrate')
  t.equal(migrated.code, 1, 'a command stops too')
  t.match(migrated.stderr, said)
})
