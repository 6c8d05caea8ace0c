import type { DB } from '../db/index.js'
import type { Role, User } from '../db/schema.js'

export const ROLES: readonly Role[] = ['lid', 'bijdrager', 'moderator', 'beheerder']

/** Usernames and e-mail addresses are unique without regard to case (and Unicode width). */
export function userKey (text: string): string {
  return text.normalize('NFKC').toLowerCase()
}

export async function createUser (db: DB, input: { username: string, email: string, passwordHash: string, role?: Role, now?: number }): Promise<User> {
  return db.insertInto('users').values({
    username: input.username,
    username_key: userKey(input.username),
    email: input.email,
    email_key: userKey(input.email),
    password_hash: input.passwordHash,
    role: input.role ?? 'lid',
    created_at: input.now ?? Date.now()
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

export async function isEmailTaken (db: DB, email: string): Promise<boolean> {
  return (await db.selectFrom('users').select('id').where('email_key', '=', userKey(email)).executeTakeFirst()) !== undefined
}

export async function setUserRole (db: DB, userId: number, role: Role): Promise<void> {
  await db.updateTable('users').set({ role }).where('id', '=', userId).execute()
}

/** lower-cased username → username, for the given lower-cased names that belong to members. */
export async function findMembersByKeys (db: DB, keys: string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map()
  const rows = await db.selectFrom('users').select(['username', 'username_key']).where('username_key', 'in', keys).execute()
  return new Map(rows.map(r => [r.username_key, r.username]))
}
