import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { sql } from 'kysely'
import { avatarsDirectory, filesDirectory, type Config } from '../config.js'
import type { DB } from '../db/index.js'
import type SQLite from 'better-sqlite3'
import { backgroundRounds } from '../lib/rounds.js'
import { removeAvatar } from '../lib/avatars.js'
import { removeFiles } from '../lib/documents.js'
import { translator, translatorFor } from '../lib/i18n.js'
import { accountMails } from '../mail/templates.js'
import type { ErasedPosts } from '../models/settings.js'
import { eraseMember } from './erasure.js'
import { listWaitingExports, markExportReady, offeredExportFiles, removeExpiredExports } from '../models/data-exports.js'
import { writeMemberExport, type ExportContext } from './export.js'

declare module 'fastify' {
  interface FastifyInstance {
    memberData: {
      /** Makes waiting exports and erases members whose grace period ended, soon. */
      wake: () => void
      /** One round now, awaited (tests). */
      flush: () => Promise<void>
    }
  }
}

/** How long a ready export is offered, and how long an erasure waits for a login that cancels it. */
export const EXPORT_KEPT_MS = 7 * 24 * 3_600_000
export const ERASURE_GRACE_MS = 7 * 24 * 3_600_000
const ROUND_EVERY_MS = 15 * 60_000

export const exportsDirectory = (config: Pick<Config, 'dataDir'>): string => path.join(config.dataDir, 'exports')

export function exportContext (config: Config): ExportContext {
  return { baseUrl: config.baseUrl, filesDir: filesDirectory(config), avatarsDir: avatarsDirectory(config), siteLocale: config.locale }
}

/**
 * Erases a member at once (the end of a grace period, or `kring user erase`) and then takes
 * what the database freed off the disk: files, avatar and exports, and the old pages in the
 * write-ahead log (freed pages are zeroed as they go: secure_delete, see db/index.ts).
 */
export async function eraseMemberCompletely (db: DB, sqlite: SQLite.Database | null, config: Config, userId: number, policy: ErasedPosts, onlyIfDue = false): Promise<boolean> {
  const files = await eraseMember(db, userId, { policy, erasedName: translator(config.locale).t('user.erased'), onlyIfDue })
  if (files === null) return false
  await removeFiles(filesDirectory(config), files.uploads)
  await removeAvatar(avatarsDirectory(config), files.avatar)
  for (const name of files.exports) await rm(path.join(exportsDirectory(config), name), { force: true })
  // Busy (a reader still in the log, as when the forum runs beside the CLI): the pages are overwritten as the log wraps.
  if (sqlite !== null) sqlite.pragma('wal_checkpoint(TRUNCATE)')
  // PostgreSQL keeps the old row versions until a vacuum makes their space free for reuse.
  else await sql`vacuum`.execute(db)
  return true
}

/** Members' exports made in the background and taken away after 7 days; erasures done when their grace period ends. */
export default fp(async (app: FastifyInstance) => {
  const folder = exportsDirectory(app.config)
  mkdirSync(folder, { recursive: true })

  async function makeWaitingExports (closing: () => boolean): Promise<void> {
    for (const job of await listWaitingExports(app.db)) {
      if (closing()) return
      const storedName = `${randomBytes(16).toString('hex')}.zip`
      const file = path.join(folder, storedName)
      try {
        const size = await writeMemberExport(app.db, job.user_id, file, exportContext(app.config))
        const now = Date.now()
        const offered = await app.db.transaction().execute(async trx => {
          // Erased meanwhile (the row went with them): nothing to offer, nobody to tell.
          if (!await markExportReady(trx, job.id, { storedName, size }, now + EXPORT_KEPT_MS, now)) return false
          await app.mailer.enqueue(trx, accountMails(translatorFor(job, app.config.locale), app.config.baseUrl).exportReady(job.email, job.username, now + EXPORT_KEPT_MS))
          return true
        })
        if (!offered) await rm(file, { force: true })
        app.mailer.wake()
      } catch (error) {
        // One export that fails (a file gone, a full disk) holds up neither the others nor the erasures.
        await rm(file, { force: true })
        await rm(`${file}.part`, { force: true })
        app.log.error({ err: error, exportId: job.id }, 'a member export failed; it is tried again next round')
      }
    }
  }

  /** Files no row offers: a half-written export from a crash, or one whose member was erased while it was made. */
  async function removeStrayFiles (): Promise<void> {
    const offered = await offeredExportFiles(app.db)
    for (const name of await readdir(folder)) {
      if (!offered.has(name)) await rm(path.join(folder, name), { force: true })
    }
  }

  async function work (closing: () => boolean): Promise<void> {
    await makeWaitingExports(closing)
    await removeStrayFiles()
    const now = Date.now()
    for (const name of await removeExpiredExports(app.db, now)) await rm(path.join(folder, name), { force: true })
    const due = await app.db.selectFrom('users').select(['id', 'erase_posts']).where('erase_after', '<=', now).where('erased_at', 'is', null).execute()
    for (const member of due) {
      if (closing()) return
      try {
        // As they were told when they asked; eraseMember checks again that no login called it off.
        if (await eraseMemberCompletely(app.db, app.sqlite, app.config, member.id, member.erase_posts ?? app.settings.erased_posts, true)) {
          app.log.info({ userId: member.id }, 'member erased after the grace period')
        }
      } catch (error) {
        app.log.error({ err: error, userId: member.id }, 'erasing a member failed; it is tried again next round')
      }
    }
  }

  const rounds = backgroundRounds(app, 'member data', ROUND_EVERY_MS, work)
  app.decorate('memberData', { wake: rounds.wake, flush: rounds.flush })
}, { name: 'member-data', dependencies: ['database', 'mail'] })
