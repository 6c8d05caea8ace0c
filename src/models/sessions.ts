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

/** Ends every session of a member, or every one but `keepId`. */
export async function deleteSessionsOf (db: DB, userId: number, keepId?: string): Promise<void> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId)
  if (keepId !== undefined) query = query.where('id_hash', '!=', hashSessionId(keepId))
  await query.execute()
}

export interface SessionInfo { created_at: number, expires_at: number, current: boolean }

/** A member's sessions, newest first; `current` marks the one this request uses. */
export async function listSessionsOf (db: DB, userId: number, currentId: string | null, now = Date.now()): Promise<SessionInfo[]> {
  const currentHash = currentId === null ? null : hashSessionId(currentId)
  const rows = await db.selectFrom('sessions').select(['id_hash', 'created_at', 'expires_at'])
    .where('user_id', '=', userId).where('expires_at', '>', now).orderBy('created_at', 'desc').execute()
  return rows.map(row => ({ created_at: row.created_at, expires_at: row.expires_at, current: row.id_hash === currentHash }))
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

/** Failures an account may have in an hour before an unknown device must wait. */
export const FREE_LOGIN_FAILURES = 5
const LONGEST_LOGIN_WAIT_SECONDS = 15 * 60

/**
 * Seconds until an unknown device may try this account again, or 0: after a few failures in
 * an hour each next try waits twice as long after the last failure (1 s, 2 s, 4 s … 15 min),
 * so guessing from many addresses gets a dozen tries an hour. Known devices do not wait.
 */
export async function loginWaitSeconds (db: DB, userId: number, now = Date.now()): Promise<number> {
  const row = await db.selectFrom('login_failures')
    .select(eb => [eb.fn.countAll<number>().as('n'), eb.fn.max('at').as('last')])
    .where('user_id', '=', userId).where('at', '>', now - HOUR).executeTakeFirstOrThrow()
  const failures = Number(row.n)
  if (failures < FREE_LOGIN_FAILURES || row.last === null) return 0
  const wait = Math.min(2 ** (failures - FREE_LOGIN_FAILURES), LONGEST_LOGIN_WAIT_SECONDS)
  return Math.max(0, Math.ceil((Number(row.last) + wait * 1000 - now) / 1000))
}
