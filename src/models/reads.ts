import { sql } from 'kysely'
import type { DB } from '../db/index.js'

/** One small write per page view: the member has seen the topic up to `position` (never moves back). */
export async function markTopicRead (db: DB, userId: number, topicId: number, position: number): Promise<void> {
  // Reading a page again changes nothing, and writes nothing: no commit to wait for on every view.
  // Asked first, not left to the upsert's WHERE: PostgreSQL locks the row it conflicts with even
  // when it updates nothing, and a transaction that locked waits for the disk at its commit.
  await sql`insert into topic_reads (user_id, topic_id, last_position)
    select cast(${userId} as bigint), id, cast(${position} as bigint) from topics where id = ${topicId}
      and not exists (select 1 from topic_reads where user_id = ${userId} and topic_id = ${topicId} and last_position >= ${position})
    on conflict (user_id, topic_id) do update set last_position = excluded.last_position
      where topic_reads.last_position < excluded.last_position`.execute(db)
}

/** Every topic of a forum read up to its last post (a mark never moves back, as in markTopicRead). */
export async function markForumRead (db: DB, userId: number, forumId: number): Promise<void> {
  await sql`insert into topic_reads (user_id, topic_id, last_position)
    select ${userId}, id, post_count from topics where forum_id = ${forumId}
    on conflict (user_id, topic_id) do update set last_position = excluded.last_position
      where topic_reads.last_position < excluded.last_position`.execute(db)
}

/** Unread posts are counted up to this many (shown as "99+"): a list of topics costs the same whatever their length. */
export const UNREAD_COUNTED = 100

/**
 * Unread posts per topic for a member: visible posts past their mark. A topic they never
 * opened counts as unread only when it was active after they joined.
 */
export async function unreadCounts (db: DB, user: { id: number, created_at: number }, topicIds: number[]): Promise<Map<number, number>> {
  if (topicIds.length === 0) return new Map()
  const rows = await db.selectFrom('topics')
    .leftJoin('topic_reads as r', join => join.onRef('r.topic_id', '=', 'topics.id').on('r.user_id', '=', user.id))
    .select(eb => ['topics.id', eb.selectFrom(eb1 => eb1.selectFrom('posts').select('posts.id')
      .whereRef('posts.topic_id', '=', 'topics.id').where('posts.visible_position', 'is not', null)
      .where(eb2 => eb2('posts.position', '>', eb2.fn.coalesce('r.last_position', sql<number>`0`)))
      .where(eb2 => eb2.or([eb2('r.last_position', 'is not', null), eb2('posts.created_at', '>', user.created_at)]))
      .limit(UNREAD_COUNTED).as('counted')).select(eb2 => eb2.fn.countAll<number>().as('n')).as('unread')])
    .where('topics.id', 'in', topicIds).execute()
  return new Map(rows.map(row => [row.id, Number(row.unread ?? 0)]).filter(([, n]) => n > 0) as Array<[number, number]>)
}

/** The first post a member has not seen in a topic (visible to members), or undefined when they saw them all. */
export async function firstUnreadPost (db: DB, userId: number, topicId: number): Promise<{ id: number, visible_position: number } | undefined> {
  const mark = await db.selectFrom('topic_reads').select('last_position').where('user_id', '=', userId).where('topic_id', '=', topicId).executeTakeFirst()
  return db.selectFrom('posts').select(['id', 'visible_position as visible_position']).where('topic_id', '=', topicId)
    .where('position', '>', mark?.last_position ?? 0).where('visible_position', 'is not', null)
    .orderBy('position').limit(1).executeTakeFirst() as Promise<{ id: number, visible_position: number } | undefined>
}
