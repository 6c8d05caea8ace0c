import type { DB } from '../db/index.js'
import { inReadableForum } from './readable.js'

/** "Nuttig": marks the post for this member, or takes the mark back; the count on the post changes in the same transaction. */
export async function toggleLike (db: DB, postId: number, userId: number, now = Date.now()): Promise<'liked' | 'unliked'> {
  return db.transaction().execute(async trx => {
    const added = await trx.insertInto('post_likes').values({ post_id: postId, user_id: userId, created_at: now })
      .onConflict(oc => oc.doNothing()).executeTakeFirst()
    const liked = Number(added.numInsertedOrUpdatedRows ?? 0) > 0
    if (!liked) await trx.deleteFrom('post_likes').where('post_id', '=', postId).where('user_id', '=', userId).execute()
    await recountLikes(trx, [postId])
    return liked ? 'liked' : 'unliked'
  })
}

/** Sets each post's count from its marks (counted, not added to: right however many toggle at once, on any database). */
export async function recountLikes (trx: DB, postIds: number[]): Promise<void> {
  if (postIds.length === 0) return
  await trx.updateTable('posts').set(eb => ({ like_count: eb.selectFrom('post_likes').select(eb.fn.countAll<number>().as('n')).whereRef('post_likes.post_id', '=', 'posts.id') }))
    .where('id', 'in', postIds).execute()
}

/** Which of these posts the member marked. */
export async function listLikedPostIds (db: DB, userId: number, postIds: number[]): Promise<Set<number>> {
  if (postIds.length === 0) return new Set()
  const rows = await db.selectFrom('post_likes').select('post_id').where('user_id', '=', userId).where('post_id', 'in', postIds).execute()
  return new Set(rows.map(row => row.post_id))
}

/** The marks a member's posts received, in the forums the reader reads (a private forum's count is its members' business). */
export async function countLikesReceived (db: DB, readerId: number | null, userId: number): Promise<number> {
  const row = await db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id')
    .select(eb => eb.fn.coalesce(eb.fn.sum<number>('posts.like_count'), eb.val(0)).as('n'))
    .where('posts.author_id', '=', userId).where('posts.like_count', '>', 0).where('posts.visible_position', 'is not', null).where('posts.deleted_at', 'is', null)
    .where('topics.hidden', '=', 0).where('topics.queued', '=', 0)
    .where(inReadableForum('topics.forum_id', readerId))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
