import type { DB } from '../db/index.js'
import { inReadableForum } from './readable.js'
import type { NotificationKind } from '../db/schema.js'

export interface NewNotification { userId: number, kind: NotificationKind, postId: number | null, topicId: number, actorId: number | null, detail?: string | null, mailAfter: number | null }

/** Stores notifications; a second one for the same member and post is dropped (one per post, whatever the reasons). */
export async function insertNotifications (trx: DB, notifications: NewNotification[], now = Date.now()): Promise<void> {
  for (let i = 0; i < notifications.length; i += 500) {
    await trx.insertInto('notifications').values(notifications.slice(i, i + 500).map(n => ({
      user_id: n.userId, kind: n.kind, post_id: n.postId, topic_id: n.topicId, actor_id: n.actorId, detail: n.detail ?? null,
      created_at: now, mail_after: n.mailAfter
    }))).onConflict(oc => oc.doNothing()).execute()
  }
}

export interface NotificationItem {
  id: number
  kind: NotificationKind
  post_id: number | null
  detail: string | null
  created_at: number
  read_at: number | null
  actor: string | null
  topic_title: string | null
}

/**
 * A member's notifications, newest first, only about what they may still read: a post
 * hidden or a topic hidden since is left out (a moderation notice about one's own post stays).
 */
export async function listNotifications (db: DB, userId: number, page: { limit: number, offset: number }): Promise<NotificationItem[]> {
  return visibleTo(db, userId)
    .leftJoin('users as actor', 'actor.id', 'n.actor_id')
    .select(['n.id', 'n.kind', 'n.post_id', 'n.detail', 'n.created_at', 'n.read_at', 'actor.username as actor', 'topics.title as topic_title'])
    .orderBy('n.id', 'desc').limit(page.limit).offset(page.offset).execute()
}

function visibleTo (db: DB, userId: number) {
  return db.selectFrom('notifications as n')
    .leftJoin('posts', 'posts.id', 'n.post_id')
    .leftJoin('topics', 'topics.id', 'n.topic_id')
    .where('n.user_id', '=', userId)
    .where(eb => eb.or([
      eb('n.kind', '=', 'moderated'),
      eb.and([eb('posts.visible_position', 'is not', null), eb('topics.hidden', '=', 0), eb('topics.queued', '=', 0)])
    ]))
    // Not even a moderation notice from a forum the member no longer reads (left the group).
    .where(eb => eb.or([eb('n.topic_id', 'is', null), inReadableForum('topics.forum_id', userId)]))
}

export async function countUnreadNotifications (db: DB, userId: number): Promise<number> {
  const row = await visibleTo(db, userId).select(eb => eb.fn.countAll<number>().as('n')).where('n.read_at', 'is', null).executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function countNotifications (db: DB, userId: number): Promise<number> {
  const row = await visibleTo(db, userId).select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Opens one: marks it read and returns where it points. */
export async function openNotification (db: DB, userId: number, id: number, now = Date.now()): Promise<{ post_id: number | null, topic_id: number | null } | undefined> {
  return db.updateTable('notifications').set({ read_at: now })
    .where('id', '=', id).where('user_id', '=', userId)
    .returning(['post_id', 'topic_id']).executeTakeFirst()
}

/** Seeing posts on a page reads their notifications (and drops mails still waiting for them). */
export async function markPostsRead (db: DB, userId: number, postIds: number[], now = Date.now()): Promise<void> {
  if (postIds.length === 0) return
  await db.updateTable('notifications').set({ read_at: now })
    .where('user_id', '=', userId).where('post_id', 'in', postIds).where('read_at', 'is', null).execute()
}

/** Tells a member what a moderator did to their post or topic (hidden, restored, moved, closed, approved); never about one's own acts. */
export async function notifyModeration (trx: DB, input: { userId: number, actorId: number, act: string, topicId: number, postId?: number | null }, now = Date.now()): Promise<void> {
  if (input.userId === input.actorId) return
  await trx.insertInto('notifications').values({
    user_id: input.userId, kind: 'moderated', post_id: input.postId ?? null, topic_id: input.topicId, actor_id: input.actorId,
    detail: input.act, created_at: now, mail_after: null
  }).execute()
}
