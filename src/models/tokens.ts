import { createHash, randomBytes } from 'node:crypto'
import type { DB } from '../db/index.js'
import type { TokenPurpose } from '../db/schema.js'

const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url')

/** A single-use token for a link in a mail; only its hash is stored. Run it in the transaction that writes the mail. */
export async function createToken (trx: DB, userId: number, purpose: TokenPurpose, lifetimeMs: number, now = Date.now()): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await trx.insertInto('email_tokens').values({ token_hash: hashToken(token), user_id: userId, purpose, created_at: now, expires_at: now + lifetimeMs }).execute()
  return token
}

/** The member a token was made for, while it is unused and unexpired. */
export async function findTokenUser (db: DB, token: string, purpose: TokenPurpose, now = Date.now()): Promise<number | undefined> {
  const row = await db.selectFrom('email_tokens').select('user_id')
    .where('token_hash', '=', hashToken(token)).where('purpose', '=', purpose)
    .where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst()
  return row?.user_id
}

/** Uses a token once: the member it was made for, for the one request that used it. */
export async function useToken (trx: DB, token: string, purpose: TokenPurpose, now = Date.now()): Promise<number | undefined> {
  const row = await trx.updateTable('email_tokens').set({ used_at: now })
    .where('token_hash', '=', hashToken(token)).where('purpose', '=', purpose)
    .where('used_at', 'is', null).where('expires_at', '>', now)
    .returning('user_id').executeTakeFirst()
  return row?.user_id
}
