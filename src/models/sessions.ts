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

const HOUR = 3600_000

/** Records a failed login and forgets this account's failures older than an hour. */
export async function recordLoginFailure (db: DB, userId: number, now = Date.now()): Promise<void> {
  await db.deleteFrom('login_failures').where('user_id', '=', userId).where('at', '<=', now - HOUR).execute()
  await db.insertInto('login_failures').values({ user_id: userId, at: now }).execute()
}

/** Seconds until this account may try again, or 0, given at most `max` failures an hour. */
export async function loginLockoutSeconds (db: DB, userId: number, max: number, now = Date.now()): Promise<number> {
  const recent = await db.selectFrom('login_failures').select('at').where('user_id', '=', userId)
    .where('at', '>', now - HOUR).orderBy('at', 'desc').limit(max).execute()
  if (recent.length < max) return 0
  return Math.ceil((recent[max - 1].at + HOUR - now) / 1000)
}
