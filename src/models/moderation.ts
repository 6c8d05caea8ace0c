import type { DB } from '../db/index.js'
import type { Topic } from '../db/schema.js'
import { recountAll, recountForum, recountUser } from './recount.js'
import { notifyModeration } from './notifications.js'

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
  /** The other topic of a split or merge, and how many posts moved. */
  otherTopicId?: number | null
  postCount?: number | null
  now?: number
}

/** Acts that readers of a topic are told of (see listTopicNotices). */
const NOTICED_ACTS = ['topic.lock', 'topic.unlock', 'topic.move', 'topic.split', 'topic.merge']

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
    other_topic_id: act.otherTopicId ?? null,
    post_count: act.postCount ?? null,
    created_at: act.now ?? Date.now()
  }).execute()
  const topics = [act.topicId, act.otherTopicId].filter((id): id is number => typeof id === 'number')
  if (NOTICED_ACTS.includes(act.action) && topics.length > 0) await trx.updateTable('topics').set({ has_notices: 1 }).where('id', 'in', topics).execute()
}

export interface LogEntry {
  id: number
  action: string
  moderator: string
  topic_slug: string | null
  topic_title: string | null
  topic_id: number | null
  other_topic_id: number | null
  other_topic_slug: string | null
  other_topic_title: string | null
  /** The forums the two topics are in now, so a page names them only to those who read them. */
  topic_forum_id: number | null
  other_topic_forum_id: number | null
  post_id: number | null
  post_count: number | null
  member: string | null
  from_value: string | null
  to_value: string | null
  reason: string | null
  created_at: number
}

function logEntries (db: DB) {
  return db.selectFrom('moderation_log as log')
    .innerJoin('users as moderator', 'moderator.id', 'log.moderator_id')
    .leftJoin('topics', 'topics.id', 'log.topic_id')
    .leftJoin('topics as other', 'other.id', 'log.other_topic_id')
    .leftJoin('users as member', 'member.id', 'log.user_id')
    .select(['log.id', 'log.action', 'moderator.username as moderator', 'log.topic_id', 'topics.slug as topic_slug', 'topics.title as topic_title',
      'log.other_topic_id', 'other.slug as other_topic_slug', 'other.title as other_topic_title', 'topics.forum_id as topic_forum_id',
      'other.forum_id as other_topic_forum_id', 'log.post_id', 'log.post_count',
      'member.username as member', 'log.from_value', 'log.to_value', 'log.reason', 'log.created_at'])
}

/** What readers of a topic are told: closing, moving, and posts split off or merged in or out, oldest first. */
export async function listTopicNotices (db: DB, topicId: number): Promise<LogEntry[]> {
  return logEntries(db)
    .where(eb => eb.or([
      eb.and([eb('log.topic_id', '=', topicId), eb('log.action', 'in', NOTICED_ACTS)]),
      eb.and([eb('log.other_topic_id', '=', topicId), eb('log.action', 'in', ['topic.split', 'topic.merge'])])
    ]))
    .orderBy('log.created_at').orderBy('log.id').limit(200).execute()
}

/** Everyone who has acted in the log, for the log's filter. */
export async function listLogModerators (db: DB): Promise<string[]> {
  const rows = await db.selectFrom('moderation_log').innerJoin('users', 'users.id', 'moderation_log.moderator_id')
    .select('users.username').distinct().orderBy('users.username').execute()
  return rows.map(row => row.username)
}

/** Which parts of the log a reader may see: topic and post acts (in these forums, or all: null), member acts, site acts. */
export interface LogScope { forumIds: number[] | null, members: boolean, site: boolean }

export async function listModerationLog (db: DB, filter: { moderator?: string, action?: string, scope?: LogScope, limit: number, offset: number }): Promise<LogEntry[]> {
  let query = logEntries(db)
  if (filter.moderator) query = query.where('moderator.username_key', '=', filter.moderator.toLowerCase())
  if (filter.action) query = query.where('log.action', '=', filter.action)
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

/** Posts waiting for approval and reported posts not yet handled, in these forums (null: all). */
export async function countModerationWork (db: DB, forumIds: number[] | null): Promise<{ queued: number, reports: number }> {
  let queued = db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id')
    .select(eb => eb.fn.countAll<number>().as('n')).where('posts.queued', '=', 1).where('posts.hidden', '=', 0)
  let reports = db.selectFrom('reports').innerJoin('posts', 'posts.id', 'reports.post_id').innerJoin('topics', 'topics.id', 'posts.topic_id')
    .select(eb => eb.fn.count<number>('reports.post_id').distinct().as('n')).where('reports.resolved_at', 'is', null)
  if (forumIds !== null) {
    queued = queued.where('topics.forum_id', 'in', [...forumIds, -1])
    reports = reports.where('topics.forum_id', 'in', [...forumIds, -1])
  }
  return { queued: Number((await queued.executeTakeFirstOrThrow()).n), reports: Number((await reports.executeTakeFirstOrThrow()).n) }
}

type Flag = 'locked' | 'pinned' | 'announced'

export async function setTopicFlag (db: DB, topic: Topic, flag: Flag, on: boolean, act: Act): Promise<void> {
  await db.transaction().execute(async trx => {
    await trx.updateTable('topics').set({ [flag]: on ? 1 : 0 }).where('id', '=', topic.id).execute()
    await logAct(trx, { ...act, topicId: topic.id })
    if (flag === 'locked') await notifyModeration(trx, { userId: topic.author_id, actorId: act.moderatorId, act: act.action, topicId: topic.id })
  })
}

export async function authorsInTopic (trx: DB, topicId: number): Promise<number[]> {
  const rows = await trx.selectFrom('posts').select('author_id').distinct().where('topic_id', '=', topicId).execute()
  return rows.map(r => r.author_id)
}

export async function setTopicHidden (db: DB, topic: Topic, hidden: boolean, act: Act): Promise<void> {
  await db.transaction().execute(trx => applyTopicHidden(trx, topic.id, hidden, act))
}

async function applyTopicHidden (trx: DB, topicId: number, hidden: boolean, act: Act): Promise<void> {
  const topic = await trx.updateTable('topics').set({
    hidden: hidden ? 1 : 0, hidden_by: hidden ? act.moderatorId : null, hidden_reason: hidden ? act.reason || null : null
  }).where('id', '=', topicId).returning(['forum_id', 'author_id']).executeTakeFirstOrThrow()
  await recountForum(trx, topic.forum_id)
  for (const userId of await authorsInTopic(trx, topicId)) await recountUser(trx, userId)
  await logAct(trx, { ...act, topicId })
  await notifyModeration(trx, { userId: topic.author_id, actorId: act.moderatorId, act: act.action, topicId })
}

/** The topic keeps its URL; both forums' counts and last posts are corrected in the same transaction. */
export async function moveTopic (db: DB, topic: Topic, toForumId: number, act: Act): Promise<void> {
  await db.transaction().execute(async trx => {
    await trx.updateTable('topics').set({ forum_id: toForumId }).where('id', '=', topic.id).execute()
    await recountForum(trx, topic.forum_id)
    await recountForum(trx, toForumId)
    await logAct(trx, { ...act, topicId: topic.id })
    await notifyModeration(trx, { userId: topic.author_id, actorId: act.moderatorId, act: act.action, topicId: topic.id })
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
  await notifyModeration(trx, { userId: post.author_id, actorId: act.moderatorId, act: act.action, topicId: post.topic_id, postId: post.id })
}

/** Runs a change to a member and writes its log row in one transaction. */
export async function actOnMember (db: DB, act: Act, change: (trx: DB) => Promise<void>): Promise<void> {
  await db.transaction().execute(async trx => {
    await change(trx)
    await logAct(trx, act)
  })
}
