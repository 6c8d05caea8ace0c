import { sql } from 'kysely'
import { ConfigError, databaseFile, withoutPassword, type Config } from '../config.js'
import { openDatabase, type OpenDatabase } from './index.js'
import { openPostgres } from './postgres.js'
import { migrateToLatest } from './migrate.js'
import { buildSearchIndex, searchIndexIsCurrent } from '../search/index-builder.js'
import { buildPostgresSearchIndex, postgresSearchIndexIsCurrent } from '../search/postgres-index.js'

type Logger = { info: (message: string) => void, error: (details: object, message: string) => void }

/** The configured database: PostgreSQL at DATABASE_URL, else the SQLite file in DATA_DIR. */
export function openConfiguredDatabase (config: Config, log: Logger): OpenDatabase {
  if (config.databaseUrl === null) return openDatabase(databaseFile(config), { synchronous: config.synchronous, locale: config.locale })
  const { db, writes, signature } = openPostgres(config.databaseUrl, config.databasePoolSize, error => log.error({ err: error }, 'database connection lost while idle'))
  return { db, dialect: 'postgres', sqlite: null, writes, signature }
}

/**
 * Opens the configured database, migrates it and (re)builds the search index when it is not
 * current, reporting the build's progress. Closes it again if any of that fails.
 */
export async function openMigratedDatabase (config: Config, log: Logger, progress?: (done: number, total: number) => void): Promise<OpenDatabase> {
  const open = openConfiguredDatabase(config, log)
  try {
    if (config.databaseUrl !== null) await reachable(open, config.databaseUrl)
    await migrateToLatest(open.db)
    let logged = 0
    const report = progress ?? ((done: number, total: number) => {
      if (done - logged >= total / 10) { log.info(`search index: ${done} of ${total} posts`); logged = done }
    })
    if (open.sqlite !== null && !searchIndexIsCurrent(open.sqlite, config.locale)) {
      log.info('building the search index')
      buildSearchIndex(open.sqlite, config.locale, report)
    } else if (open.dialect === 'postgres' && !await postgresSearchIndexIsCurrent(open.db, config.locale)) {
      log.info('building the search index')
      await buildPostgresSearchIndex(open.db, config.locale, report)
    }
    return open
  } catch (error) {
    await open.db.destroy()
    throw error
  }
}

/** A database that cannot be reached is a plain message (the URL wrong, the server down, the database not made), not a stack trace from the migrator. */
async function reachable (open: OpenDatabase, url: string): Promise<void> {
  try {
    await sql`select 1`.execute(open.db)
  } catch (error) {
    // Connecting to a name with several addresses fails with an AggregateError, whose own message is empty.
    const { message, code, errors } = error as { message?: string, code?: string, errors?: Error[] }
    const reason = message || errors?.map(each => each.message).join('; ') || code
    throw new ConfigError(`Cannot reach the PostgreSQL database at ${withoutPassword(url)} (DATABASE_URL): ${reason}`)
  }
}
