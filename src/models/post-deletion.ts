import type { DB } from '../db/index.js'
import type { StoredUpload } from '../db/schema.js'
import { applyPostState, logAct, type Act } from './moderation.js'

/**
 * Deletes a post in place: its number and page stay, its text moves into a revision (which
 * only moderators read) and leaves the search index (the triggers skip deleted posts), its
 * files, its notifications and its mails not yet sent go. A topic's opening post takes the
 * topic with it: the topic is hidden, as a moderator would hide it.
 * Returns the files whose stored copies the caller removes from disk after the commit.
 */
export async function deletePost (db: DB, post: DeletedPost, act: Act): Promise<StoredUpload[]> {
  return db.transaction().execute(trx => deletePostIn(trx, post, act, { keepText: true }))
}

export interface DeletedPost { id: number, topic_id: number, author_id: number, position: number }

/**
 * deletePost in the caller's transaction. An erasure (member-data/erasure.ts) keeps no
 * revision: the text is gone for moderators too.
 */
export async function deletePostIn (trx: DB, post: DeletedPost, act: Act, options: { keepText: boolean }): Promise<StoredUpload[]> {
  const now = act.now ?? Date.now()
  const before = await trx.selectFrom('posts').select(['body_md', 'deleted_at']).where('id', '=', post.id).executeTakeFirstOrThrow()
  if (before.deleted_at !== null) return []
  if (options.keepText) {
    await trx.insertInto('post_revisions').values({
      post_id: post.id, editor_id: act.moderatorId, created_at: now, reason: act.reason || null, title: null, body_md: before.body_md
    }).execute()
  }
  // fanned_out: a post deleted before its followers were told is never told.
  await trx.updateTable('posts').set({ body_md: '', body_html: '', deleted_at: now, deleted_by: act.moderatorId, fanned_out: 1 })
    .where('id', '=', post.id).execute()
  await trx.updateTable('topics').set({ answer_post_id: null }).where('answer_post_id', '=', post.id).execute()
  const files = await trx.deleteFrom('uploads').where('post_id', '=', post.id).returningAll().execute()
  await trx.deleteFrom('notifications').where('post_id', '=', post.id).execute()
  // Mailing-list mails carry the text: those still waiting are dropped (ids as notifications/index.ts makes them).
  await trx.deleteFrom('outbox').where('sent_at', 'is', null).where('message_id', 'like', `<p${post.id}.u%`).execute()
  if (post.position === 1) {
    await trx.deleteFrom('outbox').where('sent_at', 'is', null).where('message_id', 'like', `<t${post.topic_id}.u%`).execute()
    await applyPostState(trx, post, { hidden: true }, { ...act, action: 'topic.delete', now })
  } else {
    await logAct(trx, { ...act, action: 'post.delete', topicId: post.topic_id, postId: post.id, now })
  }
  return files
}
