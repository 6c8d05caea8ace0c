import type { DB } from '../db/index.js'
import type { Topic } from '../db/schema.js'
import { recountAll, recountForum, recountUser, renumberTopic } from './recount.js'
import { slugify, uniqueSlug } from '../lib/slugs.js'
import { isTopicSlugTaken } from './topics.js'

/** Every moderation act, written in the same transaction as the act itself (pass the transaction). */
export interface Act {
  moderatorId: number
  action: string
  topicId?: number | null
  postId?: number | null
  userId?: number | null
  from?: string | null
  to?: string | null
  reason?: string | null
  now?: number
}

export async function logAct (trx: DB, act: Act): Promise<void> {
  await trx.insertInto('moderation_log').values({
    moderator_id: act.moderatorId,
    action: act.action,
    topic_id: act.topicId ?? null,
    post_id: act.postId ?? null,
    user_id: act.userId ?? null,
    from_value: act.from ?? null,
    to_value: act.to ?? null,
    reason: act.reason || null,
    created_at: act.now ?? Date.now()
  }).execute()
}

export interface LogEntry {
  id: number
  action: string
  moderator: string
  topic_slug: string | null
  topic_title: string | null
  post_id: number | null
  member: string | null
  from_value: string | null
  to_value: string | null
  reason: string | null
  created_at: number
}

/** Which parts of the log a reader may see: topic and post acts (in these forums, or all: null), member acts, site acts. */
export interface LogScope { forumIds: number[] | null, members: boolean, site: boolean }

export async function listModerationLog (db: DB, filter: { moderator?: string, action?: string, actions?: string[], topicId?: number,
  scope?: LogScope, limit: number, offset: number }): Promise<LogEntry[]> {
  let query = db.selectFrom('moderation_log as log')
    .innerJoin('users as moderator', 'moderator.id', 'log.moderator_id')
    .leftJoin('topics', 'topics.id', 'log.topic_id')
    .leftJoin('users as member', 'member.id', 'log.user_id')
    .select(['log.id', 'log.action', 'moderator.username as moderator', 'topics.slug as topic_slug', 'topics.title as topic_title',
      'log.post_id', 'member.username as member', 'log.from_value', 'log.to_value', 'log.reason', 'log.created_at'])
  if (filter.moderator) query = query.where('moderator.username_key', '=', filter.moderator.toLowerCase())
  if (filter.action) query = query.where('log.action', '=', filter.action)
  if (filter.actions) query = query.where('log.action', 'in', filter.actions)
  if (filter.topicId !== undefined) query = query.where('log.topic_id', '=', filter.topicId)
  const scope = filter.scope
  if (scope) {
    query = query.where(eb => {
      const topicActs = eb('log.topic_id', 'is not', null)
      return eb.or([
        scope.forumIds === null ? topicActs : eb.and([topicActs, eb('topics.forum_id', 'in', [...scope.forumIds, -1])]),
        ...(scope.members ? [eb.and([eb('log.topic_id', 'is', null), eb('log.user_id', 'is not', null)])] : []),
        ...(scope.site ? [eb.and([eb('log.topic_id', 'is', null), eb('log.user_id', 'is', null)])] : [])
      ])
    })
  }
  return query.orderBy('log.created_at', 'desc').orderBy('log.id', 'desc').limit(filter.limit).offset(filter.offset).execute()
}

type Flag = 'locked' | 'pinned' | 'announced'

export async function setTopicFlag (db: DB, topic: Topic, flag: Flag, on: boolean, act: Act): Promise<void> {
  await db.transaction().execute(async trx => {
    await trx.updateTable('topics').set({ [flag]: on ? 1 : 0 }).where('id', '=', topic.id).execute()
    await logAct(trx, { ...act, topicId: topic.id })
  })
}

async function authorsInTopic (trx: DB, topicId: number): Promise<number[]> {
  const rows = await trx.selectFrom('posts').select('author_id').distinct().where('topic_id', '=', topicId).execute()
  return rows.map(r => r.author_id)
}

export async function setTopicHidden (db: DB, topic: Topic, hidden: boolean, act: Act): Promise<void> {
  await db.transaction().execute(trx => applyTopicHidden(trx, topic.id, hidden, act))
}

async function applyTopicHidden (trx: DB, topicId: number, hidden: boolean, act: Act): Promise<void> {
  const topic = await trx.updateTable('topics').set({
    hidden: hidden ? 1 : 0, hidden_by: hidden ? act.moderatorId : null, hidden_reason: hidden ? act.reason || null : null
  }).where('id', '=', topicId).returning('forum_id').executeTakeFirstOrThrow()
  await recountForum(trx, topic.forum_id)
  for (const userId of await authorsInTopic(trx, topicId)) await recountUser(trx, userId)
  await logAct(trx, { ...act, topicId })
}

/** The topic keeps its URL; both forums' counts and last posts are corrected in the same transaction. */
export async function moveTopic (db: DB, topic: Topic, toForumId: number, act: Act): Promise<void> {
  await db.transaction().execute(async trx => {
    await trx.updateTable('topics').set({ forum_id: toForumId }).where('id', '=', topic.id).execute()
    await recountForum(trx, topic.forum_id)
    await recountForum(trx, toForumId)
    await logAct(trx, { ...act, topicId: topic.id })
  })
}

export type PostChange = { hidden?: boolean, approve?: boolean }

export async function setPostState (db: DB, post: { id: number, topic_id: number, author_id: number }, change: PostChange, act: Act): Promise<void> {
  await db.transaction().execute(trx => applyPostState(trx, post, change, act))
}

/**
 * Hides, unhides or approves a post inside the caller's transaction, with counts and log.
 * A topic is its opening post: hiding that hides the topic, replies and all, and restoring it restores the topic.
 */
export async function applyPostState (trx: DB, post: { id: number, topic_id: number, author_id: number }, change: PostChange, act: Act): Promise<void> {
  const { position } = await trx.selectFrom('posts').select('position').where('id', '=', post.id).executeTakeFirstOrThrow()
  if (change.hidden !== undefined && position === 1) {
    await applyTopicHidden(trx, post.topic_id, change.hidden, { ...act, postId: post.id })
    return
  }
  if (change.hidden !== undefined) {
    await trx.updateTable('posts').set({
      hidden: change.hidden ? 1 : 0,
      hidden_by: change.hidden ? act.moderatorId : null,
      hidden_reason: change.hidden ? act.reason || null : null
    }).where('id', '=', post.id).execute()
  }
  const topic = await trx.selectFrom('topics').select('forum_id').where('id', '=', post.topic_id).executeTakeFirstOrThrow()
  const authors = [post.author_id]
  if (change.approve) {
    const approved = await trx.updateTable('posts').set({ queued: 0 }).where('id', '=', post.id).returning('position').executeTakeFirstOrThrow()
    if (approved.position === 1) {
      // Approving the opening post brings the topic, with its replies, into sight.
      await trx.updateTable('topics').set({ queued: 0 }).where('id', '=', post.topic_id).execute()
      authors.push(...await authorsInTopic(trx, post.topic_id))
    }
  }
  await recountAll(trx, { topics: [post.topic_id], forums: [topic.forum_id], users: authors })
  await logAct(trx, { ...act, topicId: post.topic_id, postId: post.id })
}

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
    await logAct(trx, { ...act, topicId: created.id, from: topic.slug, to: created.slug })
    return trx.selectFrom('topics').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow()
  })
}

/** Moves chosen replies into another topic, where they take their place by time. */
export async function mergeIntoTopic (db: DB, topic: Topic, postIds: number[], target: Topic, act: Act): Promise<void> {
  if (target.id === topic.id) throw new ModerationError('moderation.same_topic')
  await db.transaction().execute(async trx => {
    const moving = await repliesOf(trx, topic.id, postIds)
    await movePosts(trx, moving.map(p => p.id), target.id)
    await recountAll(trx, { topics: [topic.id, target.id], forums: [topic.forum_id, target.forum_id], users: moving.map(p => p.author_id) })
    await logAct(trx, { ...act, topicId: target.id, from: topic.slug, to: target.slug })
  })
}

/** Runs a change to a member and writes its log row in one transaction. */
export async function actOnMember (db: DB, act: Act, change: (trx: DB) => Promise<void>): Promise<void> {
  await db.transaction().execute(async trx => {
    await change(trx)
    await logAct(trx, act)
  })
}
