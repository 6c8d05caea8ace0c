import { existsSync } from 'node:fs'
import path from 'node:path'
import { loadConfig, databaseFile } from '../config.js'
import { openDatabase, type OpenDatabase } from '../db/index.js'
import { migrateToLatest } from '../db/migrate.js'
import { buildSearchIndex, searchIndexIsCurrent } from '../search/index-builder.js'
import { progressBar } from '../lib/progress.js'

// What every `kring` command shares (see src/cli.ts).

/** A mistake by the person at the keyboard: printed without a stack trace. */
export class UsageError extends Error {}

/** Opens the database, migrated and with a current search index (`kring migrate` shows a progress bar while it builds). */
export async function withDatabase<T> (run: (open: OpenDatabase) => Promise<T>, options: { progress?: boolean } = {}): Promise<T> {
  const config = loadConfig()
  const open = openDatabase(databaseFile(config), { synchronous: config.synchronous, locale: config.locale })
  try {
    await migrateToLatest(open.db)
    if (!searchIndexIsCurrent(open.sqlite, config.locale)) {
      buildSearchIndex(open.sqlite, config.locale, options.progress === true ? progressBar('posts indexed') : () => {})
    }
    return await run(open)
  } finally {
    await open.db.destroy()
  }
}

/** A file a command is to write: a new one, in a folder that exists. Returns its absolute path. */
export function newFile (file: string): string {
  const target = path.resolve(file)
  if (existsSync(target)) throw new UsageError(`${target} exists already: choose a new file name`)
  if (!existsSync(path.dirname(target))) throw new UsageError(`The folder ${path.dirname(target)} does not exist`)
  return target
}
