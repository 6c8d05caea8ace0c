import type { DB } from '../db/index.js'
import type { Locale } from '../config.js'
import type { User } from '../db/schema.js'
import { translatorFor } from '../lib/i18n.js'
import { createToken, revokeTokens } from '../models/tokens.js'
import { accountMails } from './templates.js'
import type { MailContent } from './outbox.js'

/**
 * A link to /password/reset/TOKEN by mail, in the caller's transaction: for a forgotten password,
 * and for a member brought in by `kring import-bbpress`, who has none yet. Only the newest link works.
 */
export async function enqueuePasswordLink (trx: DB, enqueue: (trx: DB, mail: MailContent) => Promise<void>,
  member: Pick<User, 'id' | 'email' | 'username' | 'locale'>,
  options: { siteLocale: Locale, baseUrl: string, lifetimeMs: number, imported?: boolean }): Promise<void> {
  await revokeTokens(trx, member.id, 'reset_password')
  const token = await createToken(trx, member.id, 'reset_password', options.lifetimeMs)
  const mails = accountMails(translatorFor(member, options.siteLocale), options.baseUrl)
  await enqueue(trx, options.imported === true
    ? mails.passwordForImported(member.email, member.username, token)
    : mails.resetPassword(member.email, member.username, token))
}
