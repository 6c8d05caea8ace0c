import { existsSync } from 'node:fs'
import path from 'node:path'
import { loadConfig } from '../config.js'
import type { OpenDatabase } from '../db/index.js'
import { openMigratedDatabase } from '../db/open.js'
import { progressBar } from '../lib/progress.js'

// What every `kring` command shares (see src/cli.ts).

/** A mistake by the person at the keyboard: printed without a stack trace. */
export class UsageError extends Error {}

/** Opens the database, migrated and with a current search index (`kring migrate` shows a progress bar while it builds). */
export async function withDatabase<T> (run: (open: OpenDatabase) => Promise<T>, options: { progress?: boolean } = {}): Promise<T> {
  const log = { info: () => {}, error: (details: object, message: string) => console.error(message, details) }
  const open = await openMigratedDatabase(loadConfig(), log, options.progress === true ? progressBar('posts indexed') : () => {})
  try {
    return await run(open)
  } finally {
    await open.db.destroy()
  }
}

/** SQLite's handle, for a command that works on the SQLite file only; on PostgreSQL it says what to use instead. */
export function sqliteOnly (open: OpenDatabase, command: string, instead: string): NonNullable<OpenDatabase['sqlite']> {
  if (open.sqlite === null) throw new UsageError(`kring ${command} works on the SQLite file; with DATABASE_URL, ${instead}`)
  return open.sqlite
}

/** A file a command is to write: a new one, in a folder that exists. Returns its absolute path. */
export function newFile (file: string): string {
  const target = path.resolve(file)
  if (existsSync(target)) throw new UsageError(`${target} exists already: choose a new file name`)
  if (!existsSync(path.dirname(target))) throw new UsageError(`The folder ${path.dirname(target)} does not exist`)
  return target
}
