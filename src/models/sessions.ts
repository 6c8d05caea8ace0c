import { createHash, randomBytes } from 'node:crypto'
import type { DB } from '../db/index.js'
import type { User } from '../db/schema.js'

/** Only a hash of the id is stored, so a copy of the database does not hold live sessions. */
export function hashSessionId (id: string): string {
  return createHash('sha256').update(id).digest('base64url')
}

export async function createSession (db: DB, userId: number, lifetimeMs: number, now = Date.now()): Promise<string> {
  const id = randomBytes(32).toString('base64url')
  await db.insertInto('sessions').values({
    id_hash: hashSessionId(id), user_id: userId, created_at: now, expires_at: now + lifetimeMs
  }).execute()
  return id
}

export async function findSessionUser (db: DB, id: string, now = Date.now()): Promise<User | undefined> {
  return db.selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .where('sessions.id_hash', '=', hashSessionId(id))
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst()
}

export async function deleteSession (db: DB, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', hashSessionId(id)).execute()
}

export async function purgeExpiredSessions (db: DB, now = Date.now()): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst()
  return Number(result.numDeletedRows)
}
