import fp from 'fastify-plugin'
import { databaseFile } from '../config.js'
import { openDatabase, type DB } from '../db/index.js'
import type SQLite from 'better-sqlite3'
import { migrateToLatest } from '../db/migrate.js'
import { loadSettings, type Settings } from '../models/settings.js'
import { buildSearchIndex, searchIndexIsCurrent } from '../search/index-builder.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: DB
    sqlite: SQLite.Database
    /** Writes that may change what a guest sees, so far (see plugins/page-cache.ts). */
    writes: { count: number }
    settings: Settings
  }
}

/** Opens and migrates the SQLite database and (re)builds the search index when it is not current; closes it, after a WAL checkpoint, when the app closes. */
export default fp(async app => {
  const { db, sqlite, writes } = openDatabase(databaseFile(app.config), { synchronous: app.config.synchronous, locale: app.config.locale })
  try {
    await migrateToLatest(db)
    if (!searchIndexIsCurrent(sqlite, app.config.locale)) {
      app.log.info('building the search index')
      let logged = 0
      buildSearchIndex(sqlite, app.config.locale, (done, total) => {
        if (done - logged >= total / 10) { app.log.info(`search index: ${done} of ${total} posts`); logged = done }
      })
    }
  } catch (error) {
    sqlite.close()
    throw error
  }
  app.decorate('db', db)
  app.decorate('sqlite', sqlite)
  app.decorate('writes', writes)
  app.decorate('settings', await loadSettings(db))
  app.addHook('onClose', async () => {
    if (sqlite.open) sqlite.pragma('wal_checkpoint(TRUNCATE)')
    await db.destroy() // also closes the better-sqlite3 handle
  })
}, { name: 'database' })
