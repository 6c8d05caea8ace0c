import { randomBytes } from 'node:crypto'
import { isPostgres, type DB } from '../db/index.js'
import type { OutboxTable } from '../db/schema.js'
import type { Selectable } from 'kysely'

export type OutboxMail = Selectable<OutboxTable>

export interface MailContent {
  to: string
  subject: string
  text: string
  html: string
  /** Fixed by the caller when other mails refer to it (threading); otherwise made here. */
  messageId?: string
  /** Extra headers: In-Reply-To, References, List-Id, List-Unsubscribe… */
  headers?: Record<string, string>
}

/** Writes a mail to the outbox; call it in the transaction of what caused it, so both land or neither. */
export async function enqueueMail (trx: DB, mail: MailContent, messageIdHost: string, now = Date.now()): Promise<void> {
  await trx.insertInto('outbox').values({
    to_address: mail.to,
    // A line break in a subject (a topic title, say) must never start a header of its own.
    subject: mail.subject.replace(/[\r\n]+/g, ' '),
    text_body: mail.text,
    html_body: mail.html,
    message_id: mail.messageId ?? `<${randomBytes(16).toString('hex')}@${messageIdHost}>`,
    headers: mail.headers ? JSON.stringify(mail.headers) : null,
    created_at: now,
    send_after: now
  }).execute()
}

/**
 * How long a claimed mail is its sender's: long enough to send a batch to a slow mail server.
 * After a crash the mail cut in flight goes again once its claim ends (its Message-ID lets a mail
 * program show it once).
 */
export const CLAIM_MS = 2 * 60_000

/**
 * Claims up to `limit` due mails for this process and returns them, oldest first. Mails another
 * process claimed are passed over (PostgreSQL: rows it is claiming right now are skipped, not
 * waited for), so each mail is sent by one process.
 */
export async function claimDueMails (db: DB, limit: number, now = Date.now()): Promise<OutboxMail[]> {
  const due = db.selectFrom('outbox').select('id').where('sent_at', 'is', null).where('send_after', '<=', now)
    .where(eb => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
    .orderBy('send_after').orderBy('id').limit(limit)
  const mails = await db.updateTable('outbox').set({ claimed_until: now + CLAIM_MS })
    .where('id', 'in', isPostgres(db) ? due.forUpdate().skipLocked() : due)
    .returningAll().execute()
  return mails.sort((a, b) => a.send_after - b.send_after || a.id - b.id)
}

/** Gives claimed mails back (a process closing before it sent them): any process may send them at once. */
export async function releaseMails (db: DB, ids: number[]): Promise<void> {
  if (ids.length > 0) await db.updateTable('outbox').set({ claimed_until: null }).where('id', 'in', ids).where('sent_at', 'is', null).execute()
}

export async function markMailSent (db: DB, id: number, now = Date.now()): Promise<void> {
  await db.updateTable('outbox').set({ sent_at: now, last_error: null, claimed_until: null }).where('id', '=', id).execute()
}

/** How long a mail waits after its n-th failed attempt: doubling from 30 s to at most 10 minutes, for ever. */
export function retryDelayMs (attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 10 * 60_000)
}

export async function markMailFailed (db: DB, mail: OutboxMail, error: string, now = Date.now()): Promise<void> {
  const attempts = mail.attempts + 1
  await db.updateTable('outbox').set({ attempts, last_error: error.slice(0, 500), send_after: now + retryDelayMs(attempts), claimed_until: null })
    .where('id', '=', mail.id).execute()
}

/** Marks mails as kept (no SMTP_URL); they stay due, and go out once mail is set up. Returns those newly kept. */
export async function keepUnsentMails (db: DB): Promise<Array<Pick<OutboxMail, 'id' | 'to_address' | 'subject'>>> {
  return db.updateTable('outbox').set({ last_error: 'no SMTP_URL: kept in the outbox' })
    .where('sent_at', 'is', null).where('last_error', 'is', null)
    .returning(['id', 'to_address', 'subject']).execute()
}
