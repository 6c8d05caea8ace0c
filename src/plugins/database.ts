import fp from 'fastify-plugin'
import { databaseFile } from '../config.js'
import { openDatabase, type DB } from '../db/index.js'
import type SQLite from 'better-sqlite3'
import { migrateToLatest } from '../db/migrate.js'
import { loadSettings, type Settings } from '../models/settings.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: DB
    sqlite: SQLite.Database
    settings: Settings
  }
}

/** Opens and migrates the SQLite database; closes it, after a WAL checkpoint, when the app closes. */
export default fp(async app => {
  const { db, sqlite } = openDatabase(databaseFile(app.config), { synchronous: app.config.synchronous, locale: app.config.locale })
  try {
    await migrateToLatest(db)
  } catch (error) {
    sqlite.close()
    throw error
  }
  app.decorate('db', db)
  app.decorate('sqlite', sqlite)
  app.decorate('settings', await loadSettings(db))
  app.addHook('onClose', async () => {
    if (sqlite.open) sqlite.pragma('wal_checkpoint(TRUNCATE)')
    await db.destroy() // also closes the better-sqlite3 handle
  })
}, { name: 'database' })
