import type { DB } from '../db/index.js'
import type { EmailMode, Role, User } from '../db/schema.js'
import type { Locale } from '../config.js'
import { earnsPromotion } from '../permissions.js'
import type { Settings } from './settings.js'

export const ROLES: readonly Role[] = ['lid', 'bijdrager', 'moderator', 'beheerder']

/** Usernames and e-mail addresses are unique without regard to case (and Unicode width). */
export function userKey (text: string): string {
  return text.normalize('NFKC').toLowerCase()
}

/** A new account; its address counts as confirmed unless `unconfirmed` (a sign-up that must follow the mailed link). */
export async function createUser (db: DB, input: { username: string, email: string, passwordHash: string, role?: Role, now?: number, unconfirmed?: boolean }): Promise<User> {
  const now = input.now ?? Date.now()
  return db.insertInto('users').values({
    username: input.username,
    username_key: userKey(input.username),
    email: input.email,
    email_key: userKey(input.email),
    password_hash: input.passwordHash,
    role: input.role ?? 'lid',
    created_at: now,
    email_confirmed_at: input.unconfirmed ? null : now
  }).returningAll().executeTakeFirstOrThrow()
}

export async function findUserById (db: DB, id: number): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function findUserByUsername (db: DB, username: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('username_key', '=', userKey(username)).executeTakeFirst()
}

/** Login accepts a username or an e-mail address. */
export async function findUserByLogin (db: DB, login: string): Promise<User | undefined> {
  const key = userKey(login.trim())
  return db.selectFrom('users').selectAll()
    .where(eb => eb.or([eb('username_key', '=', key), eb('email_key', '=', key)]))
    .executeTakeFirst()
}

export async function isUsernameTaken (db: DB, username: string): Promise<boolean> {
  return (await db.selectFrom('users').select('id').where('username_key', '=', userKey(username)).executeTakeFirst()) !== undefined
}

export async function findUserByEmail (db: DB, email: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('email_key', '=', userKey(email)).executeTakeFirst()
}

/** Sign-ups never confirmed within `maxAgeMs` are removed, freeing their name and address. They cannot have posted. */
export async function purgeUnconfirmedUsers (db: DB, maxAgeMs: number, now = Date.now()): Promise<number> {
  const result = await db.deleteFrom('users').where('email_confirmed_at', 'is', null).where('created_at', '<', now - maxAgeMs)
    .where(eb => eb.not(eb.exists(eb.selectFrom('posts').select('posts.id').whereRef('posts.author_id', '=', 'users.id'))))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** A new address starts with a clean slate of bounces. */
export async function setEmail (db: DB, userId: number, email: string): Promise<void> {
  await db.updateTable('users').set({ email, email_key: userKey(email), hard_bounces: 0 }).where('id', '=', userId).execute()
}

/** A hard bounce of mail to this address (a permanent failure reported back). */
export async function countHardBounce (db: DB, email: string): Promise<boolean> {
  const result = await db.updateTable('users').set(eb => ({ hard_bounces: eb('hard_bounces', '+', 1) })).where('email_key', '=', userKey(email)).executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** Mutes or unmutes a member for another: what they write no longer notifies. */
export async function setMuted (db: DB, userId: number, mutedUserId: number, muted: boolean): Promise<void> {
  if (muted) await db.insertInto('user_mutes').values({ user_id: userId, muted_user_id: mutedUserId }).onConflict(oc => oc.doNothing()).execute()
  else await db.deleteFrom('user_mutes').where('user_id', '=', userId).where('muted_user_id', '=', mutedUserId).execute()
}

export async function isMuted (db: DB, userId: number, mutedUserId: number): Promise<boolean> {
  return (await db.selectFrom('user_mutes').select('user_id').where('user_id', '=', userId).where('muted_user_id', '=', mutedUserId).executeTakeFirst()) !== undefined
}

export async function setLocale (db: DB, userId: number, locale: Locale | null): Promise<void> {
  await db.updateTable('users').set({ locale }).where('id', '=', userId).execute()
}

/** A member's mail choices; a digest chosen now counts its first period from now. */
export async function setMailPreferences (db: DB, userId: number, preferences: { emailMode: EmailMode, autoWatch: boolean }, now = Date.now()): Promise<void> {
  await db.updateTable('users').set(eb => ({
    email_mode: preferences.emailMode,
    auto_watch: preferences.autoWatch ? 1 : 0,
    last_digest_at: eb.case().when('email_mode', '=', preferences.emailMode).then(eb.ref('last_digest_at')).else(now).end()
  })).where('id', '=', userId).execute()
}

export async function setPasswordHash (db: DB, userId: number, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute()
}

export async function confirmEmail (db: DB, userId: number, now = Date.now()): Promise<void> {
  await db.updateTable('users').set({ email_confirmed_at: now }).where('id', '=', userId).where('email_confirmed_at', 'is', null).execute()
}

export async function isEmailTaken (db: DB, email: string): Promise<boolean> {
  return (await db.selectFrom('users').select('id').where('email_key', '=', userKey(email)).executeTakeFirst()) !== undefined
}

/** A role chosen by a moderator (or the operator) stands: automatic promotion leaves it alone from then on. */
export async function setUserRole (db: DB, userId: number, role: Role): Promise<void> {
  await db.updateTable('users').set({ role, role_set_by_moderator: 1 }).where('id', '=', userId).execute()
}

/** lower-cased username → username, for the given lower-cased names that belong to members. */
export async function findMembersByKeys (db: DB, keys: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  // In slices, within every database's limit on bound parameters.
  for (let i = 0; i < keys.length; i += 1000) {
    const rows = await db.selectFrom('users').select(['username', 'username_key']).where('username_key', 'in', keys.slice(i, i + 1000)).where('erased_at', 'is', null).execute()
    for (const row of rows) found.set(row.username_key, row.username)
  }
  return found
}

/** The forums a moderator is limited to, or null when they moderate every forum. */
export async function listModeratedForumIds (db: DB, userId: number): Promise<number[] | null> {
  const rows = await db.selectFrom('forum_moderators').select('forum_id').where('user_id', '=', userId).execute()
  return rows.length === 0 ? null : rows.map(r => r.forum_id)
}

/** Replaces a moderator's forums (none: every forum); run it inside the caller's transaction. */
export async function setModeratedForums (trx: DB, userId: number, forumIds: number[]): Promise<void> {
  await trx.deleteFrom('forum_moderators').where('user_id', '=', userId).execute()
  if (forumIds.length > 0) {
    await trx.insertInto('forum_moderators').values(forumIds.map(forum_id => ({ user_id: userId, forum_id }))).execute()
  }
}

export async function countTopicsStartedSince (db: DB, userId: number, since: number): Promise<number> {
  const row = await db.selectFrom('topics').select(eb => eb.fn.countAll<number>().as('n'))
    .where('author_id', '=', userId).where('created_at', '>=', since).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** lid → bijdrager once the thresholds in the settings hold; true when it happened. */
export async function promoteIfEarned (db: DB, settings: Settings, userId: number, now = Date.now()): Promise<boolean> {
  const member = await findUserById(db, userId)
  if (!member || member.role !== 'lid') return false
  const upheld = await db.selectFrom('reports').innerJoin('posts', 'posts.id', 'reports.post_id')
    .select(eb => eb.fn.countAll<number>().as('n'))
    .where('posts.author_id', '=', userId)
    .where('reports.resolution', '=', 'upheld')
    .where('reports.resolved_at', '>=', now - settings.promote_clean_days * 24 * 3600_000)
    .executeTakeFirstOrThrow()
  if (!earnsPromotion(member, settings, Number(upheld.n), now)) return false
  await db.updateTable('users').set({ role: 'bijdrager' }).where('id', '=', userId).where('role', '=', 'lid')
    .where('role_set_by_moderator', '=', 0).execute()
  return true
}

export async function suspendUser (db: DB, userId: number, until: number | null, reason: string | null): Promise<void> {
  await db.updateTable('users').set({ suspended_until: until, suspended_reason: until === null ? null : reason })
    .where('id', '=', userId).execute()
}
