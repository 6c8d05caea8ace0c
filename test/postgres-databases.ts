import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import pg from 'pg'
import { loadConfig } from '../src/config.js'
import { openConfiguredDatabase } from '../src/db/open.js'
import { migrateToLatest } from '../src/db/migrate.js'

/**
 * With KRING_TEST_DB=postgres, every test app gets a database of its own on the PostgreSQL
 * server at KRING_TEST_PG (a URL to its `postgres` database), copied from a migrated template:
 * a copy takes ~65 ms where migrating takes seconds. The template is remade when a migration changes.
 */
export const testOnPostgres = process.env.KRING_TEST_DB === 'postgres'

const TEMPLATE = 'kring_test_template'
const LOCK = 7_310_412 // any number of Kring's own, for pg_advisory_lock

function serverUrl (): string {
  const url = process.env.KRING_TEST_PG
  if (!url) throw new Error('KRING_TEST_DB=postgres needs KRING_TEST_PG, e.g. postgres://postgres@/postgres?host=/tmp/kring-pg&port=5499')
  return url
}

/** The server's URL with another database name. */
export function databaseUrl (name: string, url = serverUrl()): string {
  const parts = /^(postgres(?:ql)?:\/\/[^/?]*)\/?[^?]*(\?.*)?$/.exec(url)
  if (parts === null) throw new Error(`KRING_TEST_PG is no postgres:// URL: ${url}`)
  return `${parts[1]}/${name}${parts[2] ?? ''}`
}

/** What the migrations are, so a template made from older ones is made again. */
function migrationsFingerprint (): string {
  const folder = new URL('../migrations/', import.meta.url)
  const hash = createHash('sha256')
  for (const name of readdirSync(folder).sort()) {
    if (name.endsWith('.ts')) hash.update(name).update(readFileSync(new URL(name, folder)))
  }
  for (const name of readdirSync(new URL('lib/', folder)).sort()) hash.update(name).update(readFileSync(new URL(`lib/${name}`, folder)))
  return hash.digest('hex').slice(0, 32)
}

async function withServer<T> (run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() })
  await client.connect()
  try {
    return await run(client)
  } finally {
    await client.end()
  }
}

let made = 0

/** A new, migrated, empty database; `drop` removes it (after the app using it has closed). */
export async function freshPostgresDatabase (): Promise<{ url: string, drop: () => Promise<void> }> {
  const name = `kring_test_${process.pid}_${++made}`
  await withServer(async client => {
    // One test process at a time checks the template and copies it: a template cannot be copied while in use.
    await client.query('select pg_advisory_lock($1)', [LOCK])
    try {
      const fingerprint = migrationsFingerprint()
      const { rows } = await client.query<{ note: string | null }>(`select shobj_description(oid, 'pg_database') as note from pg_database where datname = $1`, [TEMPLATE])
      if (rows[0]?.note !== fingerprint) {
        await client.query(`drop database if exists ${TEMPLATE}`)
        await client.query(`create database ${TEMPLATE}`)
        const open = openConfiguredDatabase(loadConfig({}, { databaseUrl: databaseUrl(TEMPLATE), databasePoolSize: 2 }), { info: () => {}, error: () => {} })
        try {
          await migrateToLatest(open.db)
        } finally {
          await open.db.destroy()
        }
        await client.query(`comment on database ${TEMPLATE} is '${fingerprint}'`)
      }
      await client.query(`create database ${name} template ${TEMPLATE}`)
    } finally {
      await client.query('select pg_advisory_unlock($1)', [LOCK])
    }
  })
  return { url: databaseUrl(name), drop: () => withServer(async client => { await client.query(`drop database if exists ${name} with (force)`) }) }
}

/** For a test that starts Kring itself: a fresh PostgreSQL database with KRING_TEST_DB=postgres (dropped when the test ends), else null (SQLite). */
export async function databaseForTest (t: { teardown: (fn: () => unknown) => void }): Promise<string | null> {
  if (!testOnPostgres) return null
  const database = await freshPostgresDatabase()
  t.teardown(database.drop)
  return database.url
}
