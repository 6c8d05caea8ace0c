import type { DB } from '../db/index.js'
import type { Forum, Group } from '../db/schema.js'
import { slugify, uniqueSlug } from '../lib/slugs.js'
import { logAct, type Act } from './moderation.js'

export type Joining = Group['joining']
export const JOININGS: readonly Joining[] = ['open', 'request', 'closed']

export interface GroupMember { id: number, username: string, manager: number, joined_at: number | null }

/** Where a member stands in a group: not in it, asked to join, a member, or one of its managers. */
export type Standing = 'none' | 'asked' | 'member' | 'manager'

export class GroupError extends Error {}

export async function createGroup (db: DB, input: { name: string, description?: string, joining: Joining, now?: number }, act?: Act): Promise<Group> {
  const name = input.name.trim()
  if (name.length < 1 || name.length > 100) throw new GroupError('group.name_length')
  return db.transaction().execute(async trx => {
    const slug = await uniqueSlug(slugify(name), async candidate =>
      (await trx.selectFrom('groups').select('id').where('slug', '=', candidate).executeTakeFirst()) !== undefined)
    const group = await trx.insertInto('groups').values({ slug, name, description: input.description?.trim() ?? '', joining: input.joining, created_at: input.now ?? Date.now() })
      .returningAll().executeTakeFirstOrThrow()
    if (act) await logAct(trx, act)
    return group
  })
}

export async function findGroupBySlug (db: DB, slug: string): Promise<Group | undefined> {
  return db.selectFrom('groups').selectAll().where('slug', '=', slug).executeTakeFirst()
}

/** Every group with its number of members, by name. */
export async function listGroups (db: DB): Promise<Array<Group & { member_count: number }>> {
  const rows = await db.selectFrom('groups')
    .select(eb => eb.selectFrom('group_members').select(e => e.fn.countAll<number>().as('n'))
      .whereRef('group_members.group_id', '=', 'groups.id').where('group_members.joined_at', 'is not', null).as('member_count'))
    .selectAll('groups').orderBy('name').execute()
  return rows.map(row => ({ ...row, member_count: Number(row.member_count ?? 0) }))
}

export async function standingIn (db: DB, groupId: number, userId: number | null): Promise<Standing> {
  if (userId === null) return 'none'
  const row = await db.selectFrom('group_members').select(['manager', 'joined_at']).where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst()
  if (!row) return 'none'
  if (row.joined_at === null) return 'asked'
  return row.manager === 1 ? 'manager' : 'member'
}

/** Members first (managers at the top), then those who asked to join. */
export async function listGroupMembers (db: DB, groupId: number): Promise<GroupMember[]> {
  return db.selectFrom('group_members').innerJoin('users', 'users.id', 'group_members.user_id')
    .select(['users.id', 'users.username', 'group_members.manager', 'group_members.joined_at'])
    .where('group_members.group_id', '=', groupId)
    .orderBy(eb => eb.case().when('group_members.joined_at', 'is', null).then(1).else(0).end())
    .orderBy('group_members.manager', 'desc').orderBy('users.username_key').execute()
}

export async function listGroupForums (db: DB, groupId: number): Promise<Forum[]> {
  return db.selectFrom('forums').selectAll().where('group_id', '=', groupId).orderBy('position').orderBy('name').execute()
}

/** Joins at once (open group) or asks to (request group); a closed group is joined only when a manager adds you. */
export async function join (db: DB, group: Group, userId: number, now = Date.now()): Promise<Standing> {
  if (group.joining === 'closed') throw new GroupError('group.closed')
  const joinedAt = group.joining === 'open' ? now : null
  await db.insertInto('group_members').values({ group_id: group.id, user_id: userId, joined_at: joinedAt, created_at: now })
    .onConflict(oc => oc.columns(['group_id', 'user_id']).doNothing()).execute()
  return standingIn(db, group.id, userId)
}

/** Adds a member (or approves one who asked); managers may be made so at once. */
export async function addMember (db: DB, groupId: number, userId: number, options: { manager?: boolean, now?: number } = {}): Promise<void> {
  const now = options.now ?? Date.now()
  await db.insertInto('group_members').values({ group_id: groupId, user_id: userId, manager: options.manager === true ? 1 : 0, joined_at: now, created_at: now })
    .onConflict(oc => oc.columns(['group_id', 'user_id']).doUpdateSet(eb => ({
      joined_at: eb.fn.coalesce('group_members.joined_at', eb.val(now)),
      manager: options.manager === true ? 1 : eb.ref('group_members.manager')
    }))).execute()
}

/** Makes a member (added if need be) a manager of the group, or a plain member again. */
export async function setManager (db: DB, groupId: number, userId: number, manager: boolean): Promise<void> {
  await db.transaction().execute(async trx => {
    if (manager) await addMember(trx, groupId, userId)
    await trx.updateTable('group_members').set({ manager: manager ? 1 : 0 }).where('group_id', '=', groupId).where('user_id', '=', userId).execute()
  })
}

/** Leaving, removing a member, or refusing one who asked: the row goes. */
export async function removeMember (db: DB, groupId: number, userId: number): Promise<void> {
  await db.deleteFrom('group_members').where('group_id', '=', groupId).where('user_id', '=', userId).execute()
}

/** A beheerder attaches a forum to a group (or detaches it: null), public or private. */
export async function setForumGroup (db: DB, forumId: number, groupId: number | null, isPrivate: boolean): Promise<void> {
  await db.updateTable('forums').set({ group_id: groupId, private: groupId !== null && isPrivate ? 1 : 0 }).where('id', '=', forumId).execute()
}
