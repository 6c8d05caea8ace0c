import type { DB } from '../db/index.js'
import type { WatchLevel } from '../db/schema.js'

export const TOPIC_LEVELS: readonly WatchLevel[] = ['watching', 'normal', 'muted']
export const FORUM_LEVELS: readonly WatchLevel[] = ['watching', 'new_topics', 'normal', 'muted']

/** A member's level for a topic or forum; 'normal' when they chose none. */
export async function findWatchLevel (db: DB, userId: number, what: { topicId: number } | { forumId: number }): Promise<WatchLevel> {
  const query = db.selectFrom('watches').select('level').where('user_id', '=', userId)
  const row = 'topicId' in what
    ? await query.where('topic_id', '=', what.topicId).executeTakeFirst()
    : await query.where('forum_id', '=', what.forumId).executeTakeFirst()
  return row?.level ?? 'normal'
}

export async function setWatchLevel (db: DB, userId: number, what: { topicId: number } | { forumId: number }, level: WatchLevel): Promise<void> {
  await db.transaction().execute(async trx => {
    const remove = trx.deleteFrom('watches').where('user_id', '=', userId)
    await ('topicId' in what ? remove.where('topic_id', '=', what.topicId) : remove.where('forum_id', '=', what.forumId)).execute()
    await trx.insertInto('watches').values({
      user_id: userId, level, topic_id: 'topicId' in what ? what.topicId : null, forum_id: 'forumId' in what ? what.forumId : null
    }).execute()
  })
}

/** Follows a topic one posted in, unless one already chose a level for it (muted stays muted). */
export async function watchIfUnset (trx: DB, userId: number, topicId: number): Promise<void> {
  const chosen = await trx.selectFrom('watches').select('level').where('user_id', '=', userId).where('topic_id', '=', topicId).executeTakeFirst()
  if (!chosen) await trx.insertInto('watches').values({ user_id: userId, topic_id: topicId, forum_id: null, level: 'watching' }).execute()
}

/** Everyone with a level for this topic or this forum. */
export async function listWatchers (db: DB, topicId: number, forumId: number): Promise<Array<{ user_id: number, level: WatchLevel, on: 'topic' | 'forum' }>> {
  const rows = await db.selectFrom('watches').select(['user_id', 'level', 'topic_id'])
    .where(eb => eb.or([eb('topic_id', '=', topicId), eb('forum_id', '=', forumId)])).execute()
  return rows.map(row => ({ user_id: row.user_id, level: row.level, on: row.topic_id === null ? 'forum' : 'topic' }))
}
