import { parseArgs } from 'node:util'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { loadConfig, databaseFile, uploadsDirectory, withoutPassword } from '../config.js'
import { runningForumPid } from '../backups.js'
import { progressBar } from '../lib/progress.js'
import { findUserByUsername } from '../models/users.js'
import { ArchiveError, describeArchive } from '../data/archive-format.js'
import { newFile, sqliteOnly, UsageError, withDatabase } from './common.js'

// The commands that move data in and out: the whole forum, one member's, a bbPress forum.
// Their libraries load only when such a command runs.

/** An archive's problem is the operator's to fix: told without a stack trace. */
async function archiveWork (work: () => Promise<string>): Promise<string> {
  try {
    return await work()
  } catch (error) {
    throw error instanceof ArchiveError ? new UsageError(error.message) : error
  }
}

export async function forumExport (args: string[]): Promise<string> {
  const [file] = args
  if (!file || args.length > 1) throw new UsageError('export needs FILE')
  const target = newFile(file)
  const config = loadConfig()
  const { exportForum } = await import('../data/forum-export.js')
  const started = Date.now()
  return withDatabase(open => archiveWork(async () => {
    sqliteOnly(open, 'export', 'export with pg_dump')
    const manifest = await exportForum({ databaseFile: databaseFile(config), uploadsDir: uploadsDirectory(config), file: target, progress: progressBar('rows and files') })
    return `Exported ${describeArchive(manifest)} to ${target} in ${((Date.now() - started) / 1000).toFixed(1)} s`
  }))
}

export async function forumImport (args: string[]): Promise<string> {
  const [file] = args
  if (!file || args.length > 1) throw new UsageError('import needs FILE')
  const source = path.resolve(file)
  if (!existsSync(source)) throw new UsageError(`There is no archive at ${source}`)
  const config = loadConfig()
  const running = runningForumPid(config.dataDir)
  if (running !== null) throw new UsageError(`The forum is running (process ${running}): stop it first`)
  const { importForum } = await import('../data/forum-import.js')
  const started = Date.now()
  return withDatabase(open => archiveWork(async () => {
    const manifest = await importForum({
      sqlite: sqliteOnly(open, 'import', 'import into a SQLite forum and move it with kring copy-to-postgres'), uploadsDir: uploadsDirectory(config), file: source, locale: config.locale, progress: progressBar('rows and files'), indexProgress: progressBar('posts indexed')
    })
    return `Imported ${describeArchive(manifest)} from ${source} in ${((Date.now() - started) / 1000).toFixed(1)} s`
  }))
}

/** A member's own export (as at /account/export), made at once into FILE. */
export async function userExport (args: string[]): Promise<string> {
  const [username, file] = args
  if (!username || !file || args.length > 2) throw new UsageError('user export needs USERNAME FILE')
  const target = newFile(file)
  const config = loadConfig()
  const { writeMemberExport } = await import('../member-data/export.js')
  const { exportContext } = await import('../member-data/index.js')
  return withDatabase(async ({ db }) => {
    const user = await findUserByUsername(db, username)
    if (!user || user.erased_at !== null) throw new UsageError(`No member called "${username}"`)
    const size = await writeMemberExport(db, user.id, target, exportContext(config))
    return `Exported the data of ${user.username} to ${target} (${size.toLocaleString('en')} bytes)`
  })
}

/** Erasure at once, without the grace period, by the beheerder's policy for their posts. */
export async function userErase (args: string[]): Promise<string> {
  const [username] = args
  if (!username || args.length > 1) throw new UsageError('user erase needs USERNAME')
  const config = loadConfig()
  const { eraseMemberCompletely } = await import('../member-data/index.js')
  const { loadSettings } = await import('../models/settings.js')
  return withDatabase(async ({ db, sqlite }) => {
    const user = await findUserByUsername(db, username)
    if (!user || user.erased_at !== null) throw new UsageError(`No member called "${username}"`)
    const policy = (await loadSettings(db)).erased_posts
    await eraseMemberCompletely(db, sqlite, config, user.id, policy)
    return `Erased ${username}: their posts were ${policy === 'keep' ? 'kept as "verwijderd lid"' : 'removed'}`
  })
}

export async function importBbpressCommand (args: string[]): Promise<string> {
  const { values, positionals } = parseArgs({ args, options: { roles: { type: 'string' } }, allowPositionals: true, strict: true })
  const [file] = positionals
  if (!file || positionals.length > 1) throw new UsageError('import-bbpress needs WXR_FILE [--roles ROLES.csv]')
  if (!existsSync(file)) throw new UsageError(`There is no file ${file}`)
  if (values.roles !== undefined && !existsSync(values.roles)) throw new UsageError(`There is no file ${values.roles}`)
  const config = loadConfig()
  const started = Date.now()
  const { importBbpress } = await import('../data/bbpress/import.js')
  const { readRoles } = await import('../data/bbpress/roles.js')
  const { WxrRefused } = await import('../data/bbpress/wxr-parser.js')
  return withDatabase(async open => {
    // Posts keep their WordPress ids, which PostgreSQL's id sequences would not step past.
    sqliteOnly(open, 'import-bbpress', 'import into a SQLite forum and move it with kring copy-to-postgres')
    const { db } = open
    try {
      const report = await importBbpress(db, file, {
        roles: values.roles === undefined ? null : readRoles(values.roles),
        mail: config.smtpUrl === null ? null : { baseUrl: config.baseUrl },
        siteLocale: config.locale,
        progress: progressBar
      })
      // What was left out goes to stderr, each with the line its item began on.
      for (const problem of report.problems) process.stderr.write(`kring: ${problem.line > 0 ? `line ${problem.line}: ` : ''}${problem.message}\n`)
      const skipped = [...report.skipped].map(([status, n]) => `${n} ${status}`).join(', ')
      return [`Imported from ${report.site} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${report.forums} forums, ${report.topics} topics, ${report.posts} replies, ${report.members} new members` +
        (config.smtpUrl === null ? ' (mail is off: they set a password through "Wachtwoord vergeten")' : ` (${report.mailed} mailed a link to set their password)`),
      ...(skipped === '' ? [] : [`Left out: ${skipped}`]),
      ...(report.renumbered === 0 ? [] : [`${report.renumbered} posts got a new number (their old one was taken)`]),
      ...(report.problems.length === 0 ? [] : [`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}, listed above`])].join('\n')
    } catch (error) {
      if (error instanceof WxrRefused) throw new UsageError(`${file}: ${error.message}; nothing was imported`)
      throw error
    }
  })
}


/**
 * The SQLite forum of DATA_DIR copied into an empty PostgreSQL database at URL, migrated
 * first; the uploads stay where they are (UPLOADS_DIR), for Kring on PostgreSQL to use.
 */
export async function copyToPostgresCommand (args: string[]): Promise<string> {
  const [url] = args
  if (!url || args.length > 1) throw new UsageError('copy-to-postgres needs URL (postgres://user:password@host/database)')
  if (!/^postgres(?:ql)?:\/\/./.test(url)) throw new UsageError(`copy-to-postgres copies into PostgreSQL: the URL must start with postgres://, not "${withoutPassword(url)}"`)
  const config = loadConfig()
  if (config.databaseUrl !== null) throw new UsageError('copy-to-postgres copies the SQLite file in DATA_DIR: run it without DATABASE_URL')
  const running = runningForumPid(config.dataDir)
  if (running !== null) throw new UsageError(`The forum is running (process ${running}): stop it first, or what is written during the copy is not copied`)
  const { openConfiguredDatabase, openMigratedDatabase } = await import('../db/open.js')
  const { copyToPostgres, CopyError } = await import('../data/copy-to-postgres.js')
  const { targetTables } = await import('../data/copy-to-postgres-plan.js')
  const target = { ...config, databaseUrl: url, databasePoolSize: 2 }
  const log = { info: () => {}, error: () => {} }
  const shown = withoutPassword(url)
  const started = Date.now()
  return withDatabase(async open => {
    const sqlite = sqliteOnly(open, 'copy-to-postgres', 'unset it to copy the SQLite file')
    // Migrating writes: first make sure the target is a new database or Kring's own.
    const probe = openConfiguredDatabase(target, log)
    try {
      const tables = await targetTables(probe.db)
      if (tables.length > 0 && !tables.includes('kysely_migration')) throw new UsageError(`The PostgreSQL database at ${shown} holds other tables (${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', …' : ''}): copy into a new, empty database; nothing was written`)
    } catch (error) {
      if (error instanceof UsageError) throw error
      throw new UsageError(`Cannot reach the PostgreSQL database at ${shown}: ${(error as Error).message}`)
    } finally {
      await probe.db.destroy()
    }
    const { db } = await openMigratedDatabase(target, log)
    // A bar cut off by an error ends its line, so the error starts on one of its own.
    let unfinished = false
    const bar = (unit: string): (done: number, total: number) => void => {
      const draw = progressBar(unit)
      return (done, total) => { draw(done, total); unfinished = done < total }
    }
    try {
      const report = await copyToPostgres({ sqlite, db, uploadsDir: uploadsDirectory(config), progress: bar('rows copied'), checkProgress: bar('rows checked'), locale: config.locale, indexProgress: bar('posts indexed for search') })
      for (const name of report.missingFiles) process.stderr.write(`kring: missing from UPLOADS_DIR: ${name}\n`)
      return [
        `Copied ${report.rows.toLocaleString('en')} rows in ${report.tables} tables to ${shown}, checked and indexed for search, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        `Checked: the row count of every table, and ${report.compared.rows.toLocaleString('en')} rows of ${report.compared.tables} tables column by column, all ${report.posts.toLocaleString('en')} posts among them (SHA-256 ${report.postsChecksum.slice(0, 16)}… on both sides)`,
        report.missingFiles.length === 0
          ? `All ${report.files.toLocaleString('en')} uploaded files the forum names are in ${uploadsDirectory(config)}`
          : `${report.missingFiles.length} of the ${report.files.toLocaleString('en')} uploaded files the forum names are missing from ${uploadsDirectory(config)} (listed above)`,
        ...(report.leftOut.length === 0 ? [] : [`Not on PostgreSQL, so not copied: ${report.leftOut.join(', ')}`]),
        `Start Kring with DATABASE_URL=${shown} and UPLOADS_DIR=${uploadsDirectory(config)} (the same uploads folder, shared by every Kring process)`
      ].join('\n')
    } catch (error) {
      if (unfinished) process.stderr.write('\n')
      throw error instanceof CopyError ? new UsageError(error.message) : error
    } finally {
      await db.destroy()
    }
  })
}
