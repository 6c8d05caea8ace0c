import type { DB } from '../db/index.js'
import type { Post } from '../db/schema.js'
import { insertNotifications } from './notifications.js'

/**
 * Marks a reply the answer to its question, or unmarks it when it already is (one answer a
 * topic; marking another replaces it). Marking tells the one who answered, by mail too if
 * they want mail at once, unless they marked it themselves.
 */
export async function toggleAnswer (db: DB, post: Pick<Post, 'id' | 'topic_id' | 'author_id'>, actorId: number, mailDelayMs: number, now = Date.now()): Promise<'accepted' | 'unaccepted'> {
  return db.transaction().execute(async trx => {
    const topic = await trx.selectFrom('topics').select('answer_post_id').where('id', '=', post.topic_id).executeTakeFirstOrThrow()
    const accepted = topic.answer_post_id !== post.id
    await trx.updateTable('topics').set({ answer_post_id: accepted ? post.id : null }).where('id', '=', post.topic_id).execute()
    if (accepted && post.author_id !== actorId) {
      const answerer = await trx.selectFrom('users').select('email_mode').where('id', '=', post.author_id).executeTakeFirstOrThrow()
      await insertNotifications(trx, [{
        userId: post.author_id, kind: 'accepted', postId: post.id, topicId: post.topic_id, actorId,
        mailAfter: answerer.email_mode === 'immediately' ? now + mailDelayMs : null
      }], now)
    }
    return accepted ? 'accepted' : 'unaccepted'
  })
}
