import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { FileMigrationProvider, Migrator, type MigrationResultSet } from 'kysely'
import { PortableSchemaPlugin } from './portable-schema.js'
import { isPostgres, type DB } from './index.js'

// src/db → migrations when run from source, dist/src/db → dist/migrations when compiled.
const migrationFolder = fileURLToPath(new URL('../../migrations', import.meta.url))

export async function migrateToLatest (db: DB): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db: isPostgres(db) ? db.withPlugin(new PortableSchemaPlugin()) : db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder })
  })
  const result = await migrator.migrateToLatest()
  if (result.error) {
    const failed = result.results?.find(r => r.status === 'Error')
    throw new Error(`${failed === undefined ? 'Migrating the database' : `Migration ${failed.migrationName}`} failed: ${String(result.error)}`, { cause: result.error })
  }
  return result
}
