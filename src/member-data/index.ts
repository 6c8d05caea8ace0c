import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { uploadsDirectory, type Config } from '../config.js'
import type { DB } from '../db/index.js'
import type SQLite from 'better-sqlite3'
import { backgroundRounds } from '../lib/rounds.js'
import { removeAvatar } from '../lib/avatars.js'
import { removeFiles } from '../lib/documents.js'
import { translator, translatorFor } from '../lib/i18n.js'
import { accountMails } from '../mail/templates.js'
import type { ErasedPosts } from '../models/settings.js'
import { eraseMember } from './erasure.js'
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
  const uploads = uploadsDirectory(config)
  return { baseUrl: config.baseUrl, filesDir: path.join(uploads, 'files'), avatarsDir: path.join(uploads, 'avatars'), siteLocale: config.locale }
}

/**
 * Erases a member at once (the end of a grace period, or `kring user erase`) and then takes
 * what the database freed off the disk: files, avatar and exports, and the old pages in the
 * write-ahead log (freed pages are zeroed as they go: secure_delete, see db/index.ts).
 */
export async function eraseMemberCompletely (db: DB, sqlite: SQLite.Database, config: Config, userId: number, policy: ErasedPosts): Promise<void> {
  const files = await eraseMember(db, userId, { policy, erasedName: translator(config.locale).t('user.erased') })
  const uploads = uploadsDirectory(config)
  await removeFiles(path.join(uploads, 'files'), files.uploads)
  await removeAvatar(path.join(uploads, 'avatars'), files.avatar)
  for (const name of files.exports) await rm(path.join(exportsDirectory(config), name), { force: true })
  sqlite.pragma('wal_checkpoint(TRUNCATE)')
}

/** Members' exports made in the background and taken away after 7 days; erasures done when their grace period ends. */
export default fp(async (app: FastifyInstance) => {
  const folder = exportsDirectory(app.config)
  mkdirSync(folder, { recursive: true })

  async function makeWaitingExports (closing: () => boolean): Promise<void> {
    const waiting = await app.db.selectFrom('data_exports').innerJoin('users', 'users.id', 'data_exports.user_id')
      .select(['data_exports.id', 'users.id as user_id', 'users.username', 'users.email', 'users.locale'])
      .where('data_exports.ready_at', 'is', null).where('users.erased_at', 'is', null).orderBy('data_exports.id').execute()
    for (const job of waiting) {
      if (closing()) return
      const storedName = `${randomBytes(16).toString('hex')}.zip`
      const size = await writeMemberExport(app.db, job.user_id, path.join(folder, storedName), exportContext(app.config))
      const now = Date.now()
      await app.db.transaction().execute(async trx => {
        await trx.updateTable('data_exports').set({ ready_at: now, expires_at: now + EXPORT_KEPT_MS, stored_name: storedName, size }).where('id', '=', job.id).execute()
        await app.mailer.enqueue(trx, accountMails(translatorFor(job, app.config.locale), app.config.baseUrl).exportReady(job.email, job.username, now + EXPORT_KEPT_MS))
      })
      app.mailer.wake()
    }
  }

  async function work (closing: () => boolean): Promise<void> {
    await makeWaitingExports(closing)
    const now = Date.now()
    const expired = await app.db.deleteFrom('data_exports').where('expires_at', '<=', now).returning('stored_name').execute()
    for (const { stored_name: name } of expired) if (name !== null) await rm(path.join(folder, name), { force: true })
    const due = await app.db.selectFrom('users').select('id').where('erase_after', '<=', now).where('erased_at', 'is', null).execute()
    for (const member of due) {
      if (closing()) return
      await eraseMemberCompletely(app.db, app.sqlite, app.config, member.id, app.settings.erased_posts)
      app.log.info({ userId: member.id }, 'member erased after the grace period')
    }
  }

  const rounds = backgroundRounds(app, 'member data', ROUND_EVERY_MS, work)
  app.decorate('memberData', { wake: rounds.wake, flush: rounds.flush })
}, { name: 'member-data', dependencies: ['database', 'mail'] })
