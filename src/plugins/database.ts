import fp from 'fastify-plugin'
import type SQLite from 'better-sqlite3'
import type { DB, Dialect } from '../db/index.js'
import { openMigratedDatabase } from '../db/open.js'
import { listenToOtherProcesses } from '../db/listener.js'
import { loadSettings, type Settings } from '../models/settings.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: DB
    dialect: Dialect
    /** SQLite's raw handle; null on PostgreSQL. */
    sqlite: SQLite.Database | null
    /** Writes that may change what a guest sees, so far (see plugins/page-cache.ts). */
    writes: { count: number }
    settings: Settings
  }
}

/**
 * Opens and migrates the database (SQLite, or PostgreSQL with DATABASE_URL) and builds the
 * search index when it is not current; closes it, SQLite after a WAL checkpoint, when the app closes.
 */
export default fp(async app => {
  const { db, dialect, sqlite, writes, signature } = await openMigratedDatabase(app.config, app.log)
  app.decorate('db', db)
  app.decorate('dialect', dialect)
  app.decorate('sqlite', sqlite)
  app.decorate('writes', writes)
  app.decorate('settings', await loadSettings(db))
  // Several processes on one PostgreSQL database: each follows the others' writes and settings.
  let loaded = { ...app.settings }
  const others = app.config.databaseUrl === null || signature === null ? null : listenToOtherProcesses(app.config.databaseUrl, signature, {
    onWrites: () => { writes.count++ },
    onSettings: () => {
      loadSettings(db).then(settings => {
        // What changed in the database since the last load; a value set in this process since then stays.
        for (const key of Object.keys(settings) as Array<keyof Settings>) {
          if (settings[key] !== loaded[key]) (app.settings as Record<string, unknown>)[key] = settings[key]
        }
        loaded = settings
        // Kept guest pages were made with the old settings.
        writes.count++
      }, error => app.log.error({ err: error }, 'reloading the settings failed'))
    },
    onError: error => app.log.warn({ err: error }, 'listening for other processes: connection lost; connecting again')
  })
  app.addHook('onClose', async () => {
    await others?.close()
    if (sqlite?.open === true) sqlite.pragma('wal_checkpoint(TRUNCATE)')
    await db.destroy() // also closes the better-sqlite3 handle, or the PostgreSQL pool
  })
}, { name: 'database' })
