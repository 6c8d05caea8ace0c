import t from 'tap'
import path from 'node:path'
import { loadConfig, ConfigError } from '../src/config.js'
import { isSqliteVersionAtLeast, MINIMUM_SQLITE_VERSION, openDatabase } from '../src/db/index.js'

t.test('the environment becomes one validated config', async t => {
  const config = loadConfig({})
  t.match(config, { port: 3000, host: '127.0.0.1', baseUrl: 'http://127.0.0.1:3000', demo: true, locale: 'nl', smtpUrl: null, trustProxy: false, synchronous: 'FULL', passwordCost: 17 })
  t.equal(config.dataDir, path.resolve('data'))
  const custom = loadConfig({ PORT: '8080', HOST: '0.0.0.0', DATA_DIR: '/srv/kring', BASE_URL: 'https://forum.example/', KRING_DEMO: '0', KRING_LOCALE: 'sv', SMTP_URL: 'smtp://mail.example:25', TRUST_PROXY: '1', KRING_SYNCHRONOUS: 'normal' })
  t.match(custom, { port: 8080, host: '0.0.0.0', dataDir: '/srv/kring', baseUrl: 'https://forum.example', demo: false, locale: 'sv', smtpUrl: 'smtp://mail.example:25', trustProxy: true, synchronous: 'NORMAL' })
  for (const [env, message] of [
    [{ PORT: 'abc' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ BASE_URL: 'forum.example' }, /BASE_URL/],
    [{ BASE_URL: 'ftp://forum.example' }, /BASE_URL/],
    [{ KRING_LOCALE: 'de' }, /KRING_LOCALE/],
    [{ KRING_SYNCHRONOUS: 'OFF' }, /KRING_SYNCHRONOUS/]
  ] as Array<[Record<string, string>, RegExp]>) {
    t.throws(() => loadConfig(env), { constructor: ConfigError, message }, JSON.stringify(env))
  }
})

t.test('SQLite must be 3.51.3 or newer (the WAL-reset fix)', async t => {
  t.equal(MINIMUM_SQLITE_VERSION, '3.51.3')
  t.ok(isSqliteVersionAtLeast('3.51.3', '3.51.3'))
  t.ok(isSqliteVersionAtLeast('3.53.2', '3.51.3'))
  t.ok(isSqliteVersionAtLeast('4.0.0', '3.51.3'))
  t.notOk(isSqliteVersionAtLeast('3.51.2', '3.51.3'))
  t.notOk(isSqliteVersionAtLeast('3.9.9', '3.51.3'))
  t.notOk(isSqliteVersionAtLeast('3.51', '3.51.3'))
  const { db, sqlite } = openDatabase(path.join(t.testdir(), 'k.sqlite'))
  t.teardown(() => db.destroy())
  t.ok(isSqliteVersionAtLeast((sqlite.prepare('select sqlite_version() as v').get() as { v: string }).v, MINIMUM_SQLITE_VERSION), 'the bundled SQLite passes')
  t.equal(sqlite.pragma('journal_mode', { simple: true }), 'wal')
  t.equal(sqlite.pragma('foreign_keys', { simple: true }), 1)
  t.equal(sqlite.pragma('synchronous', { simple: true }), 2, 'FULL by default')
  t.equal(sqlite.pragma('busy_timeout', { simple: true }), 5000)
})
