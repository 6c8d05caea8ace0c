import { randomBytes } from 'node:crypto'
import type { DB } from '../db/index.js'
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

export async function listDueMails (db: DB, limit: number, now = Date.now()): Promise<OutboxMail[]> {
  return db.selectFrom('outbox').selectAll().where('sent_at', 'is', null).where('send_after', '<=', now)
    .orderBy('send_after').orderBy('id').limit(limit).execute()
}

export async function markMailSent (db: DB, id: number, now = Date.now()): Promise<void> {
  await db.updateTable('outbox').set({ sent_at: now, last_error: null }).where('id', '=', id).execute()
}

/** How long a mail waits after its n-th failed attempt: doubling from 30 s to at most 10 minutes, for ever. */
export function retryDelayMs (attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 10 * 60_000)
}

export async function markMailFailed (db: DB, mail: OutboxMail, error: string, now = Date.now()): Promise<void> {
  const attempts = mail.attempts + 1
  await db.updateTable('outbox').set({ attempts, last_error: error.slice(0, 500), send_after: now + retryDelayMs(attempts) })
    .where('id', '=', mail.id).execute()
}

/** Marks mails as kept (no SMTP_URL); they stay due, and go out once mail is set up. Returns those newly kept. */
export async function keepUnsentMails (db: DB): Promise<Array<Pick<OutboxMail, 'id' | 'to_address' | 'subject'>>> {
  return db.updateTable('outbox').set({ last_error: 'no SMTP_URL: kept in the outbox' })
    .where('sent_at', 'is', null).where('last_error', 'is', null)
    .returning(['id', 'to_address', 'subject']).execute()
}
