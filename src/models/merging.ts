import type { DB } from '../db/index.js'
import type { Topic } from '../db/schema.js'
import { slugify, uniqueSlug } from '../lib/slugs.js'
import { isTopicSlugTaken } from './topics.js'
import { recountAll, renumberTopic } from './recount.js'
import { authorsInTopic, logAct, type Act } from './moderation.js'

/** Splitting, merging chosen replies, and merging a whole topic: posts change topic, counts and notes follow. */

export class ModerationError extends Error {}

/** The chosen posts of a topic, which must be replies: the opening post stays with its topic. */
async function repliesOf (trx: DB, topicId: number, postIds: number[]): Promise<Array<{ id: number, author_id: number }>> {
  if (postIds.length === 0) throw new ModerationError('moderation.choose_replies')
  const posts = await trx.selectFrom('posts').select(['id', 'author_id', 'position'])
    .where('topic_id', '=', topicId).where('id', 'in', postIds).execute()
  if (posts.length === 0 || posts.some(post => post.position === 1)) throw new ModerationError('moderation.choose_replies')
  return posts
}

/** Moves posts to another topic; positions go negative until the topic is renumbered, clear of its own. */
async function movePosts (trx: DB, postIds: number[], topicId: number): Promise<void> {
  await trx.updateTable('posts').set(eb => ({ topic_id: topicId, position: eb.neg(eb.ref('id')) })).where('id', 'in', postIds).execute()
}

/** Moves chosen replies into a new topic in the same forum; the first of them opens it. */
export async function splitTopic (db: DB, topic: Topic, postIds: number[], title: string, act: Act): Promise<Topic> {
  return db.transaction().execute(async trx => {
    const moving = await repliesOf(trx, topic.id, postIds)
    const first = await trx.selectFrom('posts').select(['id', 'author_id', 'created_at', 'hidden', 'hidden_by', 'hidden_reason'])
      .where('id', 'in', moving.map(p => p.id)).orderBy('position').limit(1).executeTakeFirstOrThrow()
    const slug = await uniqueSlug(slugify(title), s => isTopicSlugTaken(trx, s))
    // A hidden post that opens the new topic makes it a hidden topic (see applyPostState).
    const created = await trx.insertInto('topics').values({
      forum_id: topic.forum_id, slug, title, author_id: first.author_id, created_at: first.created_at, last_post_at: first.created_at,
      hidden: first.hidden, hidden_by: first.hidden_by, hidden_reason: first.hidden_reason
    }).returningAll().executeTakeFirstOrThrow()
    if (first.hidden) await trx.updateTable('posts').set({ hidden: 0, hidden_by: null, hidden_reason: null }).where('id', '=', first.id).execute()
    await movePosts(trx, moving.map(p => p.id), created.id)
    await renumberTopic(trx, created.id, first.id)
    await recountAll(trx, { topics: [topic.id], forums: [topic.forum_id], users: moving.map(p => p.author_id) })
    await logAct(trx, { ...act, topicId: topic.id, otherTopicId: created.id, postCount: moving.length, from: topic.title, to: title })
    return trx.selectFrom('topics').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow()
  })
}

/** Moves chosen replies into another topic, where they take their place by time; returns the first of them there. */
export async function mergeIntoTopic (db: DB, topic: Topic, postIds: number[], target: Topic, act: Act): Promise<number> {
  if (target.id === topic.id) throw new ModerationError('moderation.same_topic')
  return db.transaction().execute(async trx => {
    const moving = await repliesOf(trx, topic.id, postIds)
    await movePosts(trx, moving.map(p => p.id), target.id)
    await recountAll(trx, { topics: [topic.id, target.id], forums: [topic.forum_id, target.forum_id], users: moving.map(p => p.author_id) })
    await logAct(trx, { ...act, topicId: topic.id, otherTopicId: target.id, postCount: moving.length, from: topic.title, to: target.title })
    return firstByPosition(trx, moving.map(p => p.id))
  })
}

/**
 * Moves every post of `topic` into `target` (they take their place by date; the target's
 * opening post stays first) and removes `topic`: its URLs, old ones too, answer with a
 * redirect to the target, and its log follows it. Returns the first moved post.
 */
export async function mergeWholeTopic (db: DB, topic: Topic, target: Topic, act: Act): Promise<number> {
  if (target.id === topic.id) throw new ModerationError('moderation.same_topic')
  return db.transaction().execute(async trx => {
    const moving = (await trx.selectFrom('posts').select('id').where('topic_id', '=', topic.id).execute()).map(p => p.id)
    const authors = await authorsInTopic(trx, topic.id)
    // What was out of sight in a hidden topic stays out of sight in the target.
    if (topic.hidden) {
      await trx.updateTable('posts').set({ hidden: 1, hidden_by: topic.hidden_by, hidden_reason: topic.hidden_reason })
        .where('topic_id', '=', topic.id).where('hidden', '=', 0).execute()
    }
    await movePosts(trx, moving, target.id)
    await trx.updateTable('topic_slugs').set({ topic_id: target.id }).where('topic_id', '=', topic.id).execute()
    // created_at 0: a redirect left by a merge is not one of the target's renames.
    await trx.insertInto('topic_slugs').values({ slug: topic.slug, topic_id: target.id, created_at: 0 }).execute()
    await trx.updateTable('moderation_log').set({ topic_id: target.id }).where('topic_id', '=', topic.id).execute()
    await trx.updateTable('moderation_log').set({ other_topic_id: target.id }).where('other_topic_id', '=', topic.id).execute()
    await trx.deleteFrom('topics').where('id', '=', topic.id).execute()
    await recountAll(trx, { topics: [target.id], forums: [topic.forum_id, target.forum_id], users: authors })
    await logAct(trx, { ...act, topicId: target.id, postCount: moving.length, from: topic.title, to: target.title })
    return firstByPosition(trx, moving)
  })
}

async function firstByPosition (trx: DB, postIds: number[]): Promise<number> {
  const first = await trx.selectFrom('posts').select('id').where('id', 'in', postIds).orderBy('position').limit(1).executeTakeFirstOrThrow()
  return first.id
}
