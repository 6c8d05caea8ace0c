import t from 'tap'
import { spawnSync } from 'node:child_process'
import { projectPath } from '../src/lib/paths.js'
import { sqliteOf, Visitor } from './helper.js'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'

t.test('kring demo --posts fills a forum at size: counts right, the index searchable', async t => {
  const dataDir = t.testdir()
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', projectPath('src', 'cli.ts'), 'demo', ...args],
    { env: { ...process.env, DATA_DIR: dataDir, KRING_DEMO: '0' }, encoding: 'utf8', timeout: 120_000 })
  t.equal(run().status, 1, 'without --posts: a usage error')
  t.match(run('--posts', 'veel').stderr, '--posts needs a positive whole number')
  const made = run('--posts', '600', '--topics', '30', '--members', '12')
  t.equal(made.status, 0, made.stderr)
  t.match(made.stdout, /^Made 600 posts in 30 topics by 12 members/)
  t.match(made.stderr, '600 / 600 posts', 'a progress bar')

  // The same folder the command filled (a test app would get a fresh one).
  const app = await buildApp(loadConfig({}, { dataDir, demo: false, logLevel: 'silent' }))
  t.teardown(() => app.close())
  const totals = sqliteOf(app).prepare(`select (select count(*) from posts) as posts, (select count(*) from topics) as topics,
    (select sum(post_count) from forums) as counted, (select sum(post_count) from topics) as inTopics`).get() as Record<string, number>
  t.same(totals, { posts: 600, topics: 30, counted: 600, inTopics: 600 }, 'every count matches the rows')
  const page = await new Visitor(app).get('/search?q=verlof')
  t.equal(page.statusCode, 200)
  t.match(page.body, /class="search-count">\d+ resultaten/, 'the index holds the made posts')
  const forum = await new Visitor(app).get('/forum/algemeen')
  t.equal(forum.statusCode, 200)

  // An index left behind (an older Kring, or cut off half-way) is rebuilt by `kring migrate`, with a progress bar.
  sqliteOf(app).exec("update search_index_state set built = ''; insert into posts_fts (posts_fts) values ('delete-all')")
  const migrated = spawnSync(process.execPath, ['--import', 'tsx', projectPath('src', 'cli.ts'), 'migrate'],
    { env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8', timeout: 120_000 })
  t.equal(migrated.status, 0, migrated.stderr)
  t.match(migrated.stderr, '600 / 600 posts indexed', 'the rebuild shows its progress')
  t.match((await new Visitor(app).get('/search?q=verlof')).body, /class="search-count">\d+ resultaten/, 'and the index finds them again')
})
