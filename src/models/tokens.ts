import { createHash, randomBytes } from 'node:crypto'
import type { DB } from '../db/index.js'
import type { TokenPurpose } from '../db/schema.js'

const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url')

/** A single-use token for a link in a mail; only its hash is stored. Run it in the transaction that writes the mail. */
export async function createToken (trx: DB, userId: number, purpose: TokenPurpose, lifetimeMs: number, options: { email?: string, now?: number } = {}): Promise<string> {
  const now = options.now ?? Date.now()
  const token = randomBytes(32).toString('base64url')
  await trx.insertInto('email_tokens').values({
    token_hash: hashToken(token), user_id: userId, purpose, created_at: now, expires_at: now + lifetimeMs, email: options.email ?? null
  }).execute()
  return token
}

/** The member a token was made for, while it is unused and unexpired. */
export async function findTokenUser (db: DB, token: string, purpose: TokenPurpose, now = Date.now()): Promise<number | undefined> {
  const row = await db.selectFrom('email_tokens').select('user_id')
    .where('token_hash', '=', hashToken(token)).where('purpose', '=', purpose)
    .where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst()
  return row?.user_id
}

/** Uses a token once: the member it was made for (and the address it carries), for the one request that used it. */
export async function useToken (trx: DB, token: string, purpose: TokenPurpose, now = Date.now()): Promise<{ userId: number, email: string | null } | undefined> {
  const row = await trx.updateTable('email_tokens').set({ used_at: now })
    .where('token_hash', '=', hashToken(token)).where('purpose', '=', purpose)
    .where('used_at', 'is', null).where('expires_at', '>', now)
    .returning(['user_id', 'email']).executeTakeFirst()
  return row === undefined ? undefined : { userId: row.user_id, email: row.email }
}

/** Tokens of one purpose that a member has not used yet stop working (a newer one was sent, or the password changed). */
export async function revokeTokens (trx: DB, userId: number, purpose: TokenPurpose, now = Date.now()): Promise<void> {
  await trx.updateTable('email_tokens').set({ used_at: now }).where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null).execute()
}
