import type { DB } from '../db/index.js'
import type { Forum, ForumKind } from '../db/schema.js'
import { findForumBySlug, ForumError } from './forums.js'
import { logAct, type Act } from './moderation.js'
import { recountForum } from './recount.js'

/** A beheerder's changes to a forum: its name, description, place among the others, and removal. */

export interface ForumChanges {
  name: string
  description: string
  parentSlug: string
  position: number
  /** The group it belongs to ('' none) and whether it is for that group's members only. */
  groupSlug?: string
  private?: boolean
  /** 'questions' makes it a question forum. */
  kind?: ForumKind
}

/**
 * Saves a forum's name, description, parent, position, group and visibility; its URL stays.
 * A forum cannot move under itself, and only a forum with a group can be private.
 */
export async function updateForum (db: DB, forum: Forum, changes: ForumChanges, act: Act): Promise<Forum> {
  const name = changes.name.trim()
  const description = changes.description.trim()
  if (name.length < 1 || name.length > 100) throw new ForumError('admin.forum_name_length')
  if (description.length > 300) throw new ForumError('admin.forum_description_length')
  if (!Number.isSafeInteger(changes.position) || changes.position < 0 || changes.position > 1_000_000) throw new ForumError('admin.whole_number')
  return db.transaction().execute(async trx => {
    let parentId: number | null = null
    if (changes.parentSlug !== '') {
      const parent = await findForumBySlug(trx, changes.parentSlug)
      if (!parent) throw new ForumError('moderation.unknown_forum')
      // Walking up from the new parent must never meet the forum itself.
      for (let at: Forum | undefined = parent; at; at = at.parent_id === null ? undefined : await trx.selectFrom('forums').selectAll().where('id', '=', at.parent_id).executeTakeFirst()) {
        if (at.id === forum.id) throw new ForumError('admin.forum_under_itself')
      }
      parentId = parent.id
    }
    let groupId = forum.group_id
    if (changes.groupSlug !== undefined) {
      const group = changes.groupSlug === '' ? null : await trx.selectFrom('groups').select('id').where('slug', '=', changes.groupSlug).executeTakeFirst()
      if (group === undefined) throw new ForumError('group.unknown')
      groupId = group?.id ?? null
    }
    const isPrivate = changes.private ?? forum.private === 1
    if (isPrivate && groupId === null) throw new ForumError('admin.private_needs_group')
    const saved = await trx.updateTable('forums').set({ name, description, parent_id: parentId, position: changes.position, group_id: groupId, private: isPrivate ? 1 : 0, kind: changes.kind ?? forum.kind })
      .where('id', '=', forum.id).returningAll().executeTakeFirstOrThrow()
    const renamed = forum.name !== name ? `${forum.name} → ${name}` : null
    const visibility = (forum.private === 1) !== isPrivate ? (isPrivate ? 'private' : 'public') : null
    await logAct(trx, { ...act, from: renamed, to: visibility === null ? forum.slug : `${forum.slug} (${visibility})` })
    return saved
  })
}

/**
 * Removes a forum that holds no topics and no subforums. With `moveTo`, its topics (hidden
 * ones too) move there first, counts and all; subforums must be moved or removed by hand.
 */
export async function deleteForum (db: DB, forum: Forum, moveTo: Forum | null, act: Act): Promise<void> {
  await db.transaction().execute(async trx => {
    const subforum = await trx.selectFrom('forums').select('id').where('parent_id', '=', forum.id).limit(1).executeTakeFirst()
    if (subforum) throw new ForumError('admin.forum_has_subforums')
    if (moveTo) {
      if (moveTo.id === forum.id) throw new ForumError('moderation.unknown_forum')
      await trx.updateTable('topics').set({ forum_id: moveTo.id }).where('forum_id', '=', forum.id).execute()
      await recountForum(trx, moveTo.id)
    }
    const topic = await trx.selectFrom('topics').select('id').where('forum_id', '=', forum.id).limit(1).executeTakeFirst()
    if (topic) throw new ForumError('admin.forum_not_empty')
    await trx.deleteFrom('forums').where('id', '=', forum.id).execute()
    await logAct(trx, { ...act, from: forum.name, to: moveTo?.slug ?? null })
  })
}
