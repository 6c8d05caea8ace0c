import type { SelectQueryBuilder } from 'kysely'
import type { DB } from '../db/index.js'
import type { Database, ForumKind, Post, Topic } from '../db/schema.js'
import { slugify, uniqueSlug } from '../lib/slugs.js'
import { inReadableForum } from './readable.js'
import { insertUploads } from './uploads.js'
import { saveEvent, type EventInput } from './events.js'
import type { StoredFile } from '../lib/documents.js'

export interface TopicWithForum extends Topic {
  forum_slug: string
  forum_name: string
  forum_parent_id: number | null
  forum_private: number
  forum_kind: ForumKind
}

export interface TopicListItem extends Topic {
  author: string
  last_author: string | null
}

/**
 * Topics as a forum page lists them, with their author and last poster; only those members
 * may see, or (`withHidden`, for its moderators) hidden ones too. Queued topics are the queue's.
 */
function listedTopics (db: DB, withHidden = false) {
  let query = db.selectFrom('topics')
    .innerJoin('users as author', 'author.id', 'topics.author_id')
    .leftJoin('posts as last', 'last.id', 'topics.last_post_id')
    .leftJoin('users as last_author', 'last_author.id', 'last.author_id')
    .selectAll('topics')
    .select(['author.username as author', 'last_author.username as last_author'])
    .where('topics.queued', '=', 0)
  if (!withHidden) query = query.where('topics.hidden', '=', 0).where('topics.visible_post_count', '>', 0)
  return query
}

/**
 * One page of a forum's topics, in the order of its index (migration 2026_11_30_0018): the
 * page's ids first, read from the index alone so a deep offset is skipped there, then their rows.
 */
export async function listTopicsInForum (db: DB, forumId: number, page: { offset: number, limit: number, unanswered?: boolean, withHidden?: boolean, byVotes?: boolean }): Promise<TopicListItem[]> {
  let ids = db.selectFrom('topics').select('topics.id').where('topics.forum_id', '=', forumId).where('topics.queued', '=', 0)
  if (page.withHidden !== true) ids = ids.where('topics.hidden', '=', 0).where('topics.visible_post_count', '>', 0)
  if (page.unanswered === true) ids = ids.where('topics.answer_post_id', 'is', null)
  const found = await inListingOrder(ids, page.byVotes === true).offset(page.offset).limit(page.limit).execute()
  if (found.length === 0) return []
  return inListingOrder(listedTopics(db, page.withHidden).where('topics.id', 'in', found.map(row => row.id)), page.byVotes === true).execute()
}

/** Announcements and pinned topics first; a proposals forum sorted by votes puts the most wanted next; then the latest activity. */
function inListingOrder<Q extends SelectQueryBuilder<Database, 'topics', any>> (query: Q, byVotes: boolean): Q {
  let ordered = query.orderBy('topics.announced', 'desc').orderBy('topics.pinned', 'desc')
  if (byVotes) ordered = ordered.orderBy('topics.vote_count', 'desc')
  return ordered.orderBy('topics.last_post_at', 'desc').orderBy('topics.id', 'desc') as Q
}

/** A forum's topics as its moderators page through them: hidden ones included. */
export async function countTopicsWithHidden (db: DB, forumId: number): Promise<number> {
  const row = await listedTopics(db, true).clearSelect().select(eb => eb.fn.countAll<number>().as('n'))
    .where('topics.forum_id', '=', forumId).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Open questions in a question forum, for its ?filter=unanswered pages. */
export async function countUnansweredTopics (db: DB, forumId: number): Promise<number> {
  const row = await listedTopics(db).clearSelect().select(eb => eb.fn.countAll<number>().as('n'))
    .where('topics.forum_id', '=', forumId).where('topics.answer_post_id', 'is', null).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** The latest active topics of every forum, as guests and members may see them. */
export async function listLatestTopics (db: DB, readerId: number | null, page: { offset: number, limit: number }): Promise<TopicListItem[]> {
  return listedTopics(db).where(inReadableForum('topics.forum_id', readerId)).orderBy('topics.last_post_at', 'desc').orderBy('topics.id', 'desc').offset(page.offset).limit(page.limit).execute()
}

export async function countListedTopics (db: DB, readerId: number | null): Promise<number> {
  const row = await db.selectFrom('topics').select(eb => eb.fn.countAll<number>().as('n'))
    .where(inReadableForum('topics.forum_id', readerId))
    .where('hidden', '=', 0).where('queued', '=', 0).where('visible_post_count', '>', 0).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Topics a member has opened that have visible posts past their mark, latest activity first. */
export async function listUnreadTopics (db: DB, userId: number, page: { offset: number, limit: number }): Promise<TopicListItem[]> {
  return listedTopics(db)
    .where(inReadableForum('topics.forum_id', userId))
    .innerJoin('topic_reads as r', join => join.onRef('r.topic_id', '=', 'topics.id').on('r.user_id', '=', userId))
    .where(eb => eb.exists(eb.selectFrom('posts as p').select('p.id').whereRef('p.topic_id', '=', 'topics.id')
      .whereRef('p.position', '>', 'r.last_position').where('p.visible_position', 'is not', null)))
    .orderBy('topics.last_post_at', 'desc').orderBy('topics.id', 'desc').offset(page.offset).limit(page.limit).execute()
}

/** Announcements are pinned in every forum: these are the ones from other forums. */
export async function listAnnouncementsElsewhere (db: DB, readerId: number | null, forumId: number): Promise<TopicListItem[]> {
  return listedTopics(db)
    .where(inReadableForum('topics.forum_id', readerId))
    .where('topics.announced', '=', 1)
    .where('topics.forum_id', '!=', forumId)
    .orderBy('topics.last_post_at', 'desc')
    .execute()
}

function topicsWithForum (db: DB) {
  return db.selectFrom('topics')
    .innerJoin('forums', 'forums.id', 'topics.forum_id')
    .selectAll('topics')
    .select(['forums.slug as forum_slug', 'forums.name as forum_name', 'forums.parent_id as forum_parent_id', 'forums.private as forum_private', 'forums.kind as forum_kind'])
}

export async function findTopicBySlug (db: DB, slug: string): Promise<TopicWithForum | undefined> {
  return topicsWithForum(db).where('topics.slug', '=', slug).executeTakeFirst()
}

export async function findTopicById (db: DB, id: number): Promise<TopicWithForum | undefined> {
  return topicsWithForum(db).where('topics.id', '=', id).executeTakeFirst()
}

/** The current slug of a topic that was renamed away from `oldSlug`. */
export async function findRenamedTopicSlug (db: DB, oldSlug: string): Promise<string | undefined> {
  const row = await db.selectFrom('topic_slugs')
    .innerJoin('topics', 'topics.id', 'topic_slugs.topic_id')
    .select('topics.slug')
    .where('topic_slugs.slug', '=', oldSlug)
    .executeTakeFirst()
  return row?.slug
}

/** How many slugs a topic left behind since `since`: its renames, less those it took back. */
export async function countRenamesSince (db: DB, topicId: number, since: number): Promise<number> {
  const row = await db.selectFrom('topic_slugs').select(eb => eb.fn.countAll<number>().as('n'))
    .where('topic_id', '=', topicId).where('created_at', '>', since).executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function isTopicSlugTaken (db: DB, slug: string): Promise<boolean> {
  const current = await db.selectFrom('topics').select('id').where('slug', '=', slug).executeTakeFirst()
  const former = await db.selectFrom('topic_slugs').select('topic_id').where('slug', '=', slug).executeTakeFirst()
  return current !== undefined || former !== undefined
}

/** Stores a post at `position`; a queued post gets no visible position until it is approved. */
export async function insertPost (trx: DB, post: { topicId: number, authorId: number, position: number, visiblePosition: number,
  queued?: boolean, bodyMd: string, bodyHtml: string, createdAt: number, notify?: boolean }): Promise<Post> {
  return trx.insertInto('posts').values({
    topic_id: post.topicId,
    author_id: post.authorId,
    position: post.position,
    visible_position: post.queued ? null : post.visiblePosition,
    queued: post.queued ? 1 : 0,
    body_md: post.bodyMd,
    body_html: post.bodyHtml,
    created_at: post.createdAt,
    // What members write is fanned out to followers by the notifier; demo and imported posts are not.
    fanned_out: post.notify ? 0 : 1
  }).returningAll().executeTakeFirstOrThrow()
}

/** Another post (or edit) by the same member was stored between the limit check and this write. */
export class PostedMeanwhile extends Error {}

/**
 * Keeps topic, forum and member counts and last-post data right after a post is added,
 * in the same transaction. A queued post only takes its position: it counts once approved.
 */
export async function recordNewPost (trx: DB, post: Post, forumId: number, isFirstPost: boolean, expectedLastPostAt?: number | null): Promise<void> {
  let stamp = trx.updateTable('users').set({ last_post_at: post.created_at }).where('id', '=', post.author_id)
  if (expectedLastPostAt !== undefined) {
    stamp = stamp.where('last_post_at', expectedLastPostAt === null ? 'is' : '=', expectedLastPostAt)
  }
  // The posting limit was checked against the member's last post; if another post landed since, this one waits.
  if (Number((await stamp.executeTakeFirst()).numUpdatedRows) === 0) throw new PostedMeanwhile()
  if (post.visible_position === null) {
    await trx.updateTable('topics').set(eb => ({ post_count: eb('post_count', '+', 1) }))
      .where('id', '=', post.topic_id).execute()
    return
  }
  await trx.updateTable('topics').set(eb => ({
    post_count: eb('post_count', '+', 1),
    visible_post_count: eb('visible_post_count', '+', 1),
    reply_count: isFirstPost ? 0 : eb('reply_count', '+', 1),
    last_post_id: post.id,
    last_post_at: post.created_at
  })).where('id', '=', post.topic_id).execute()
  const topic = await trx.selectFrom('topics').select(['hidden', 'queued']).where('id', '=', post.topic_id).executeTakeFirstOrThrow()
  if (topic.hidden || topic.queued) return
  await trx.updateTable('forums').set(eb => ({
    post_count: eb('post_count', '+', 1),
    topic_count: isFirstPost ? eb('topic_count', '+', 1) : eb.ref('topic_count'),
    last_post_id: post.id
  })).where('id', '=', forumId).execute()
  await trx.updateTable('users').set(eb => ({ post_count: eb('post_count', '+', 1) }))
    .where('id', '=', post.author_id).execute()
}

export interface NewTopic {
  forumId: number
  authorId: number
  title: string
  bodyMd: string
  bodyHtml: string
  /** The first post waits for approval: the topic stays out of sight until then. */
  queued?: boolean
  /** The author's last post time the posting limit was checked against (undefined: no limit applies). */
  expectedLastPostAt?: number | null
  /** Tell followers (see insertPost). */
  notify?: boolean
  /** Files already on disk, recorded as the first post's attachments in the same transaction. */
  attachments?: StoredFile[]
  /** The event the topic carries, if any. */
  event?: EventInput | null
  now?: number
}

export async function createTopic (db: DB, input: NewTopic): Promise<{ topic: Topic, post: Post }> {
  const now = input.now ?? Date.now()
  return db.transaction().execute(async trx => {
    const slug = await uniqueSlug(slugify(input.title), s => isTopicSlugTaken(trx, s))
    const topic = await trx.insertInto('topics').values({
      forum_id: input.forumId, slug, title: input.title, author_id: input.authorId, created_at: now, last_post_at: now, queued: input.queued ? 1 : 0
    }).returningAll().executeTakeFirstOrThrow()
    const post = await insertPost(trx, {
      topicId: topic.id, authorId: input.authorId, position: 1, visiblePosition: 1, queued: input.queued, bodyMd: input.bodyMd, bodyHtml: input.bodyHtml, createdAt: now, notify: input.notify
    })
    await recordNewPost(trx, post, input.forumId, true, input.expectedLastPostAt)
    await insertUploads(trx, post.id, input.authorId, input.attachments ?? [], now)
    if (input.event) await saveEvent(trx, topic.id, input.event, now)
    return { topic, post }
  })
}

/** A new title gets a new slug; the old one is kept so old links answer with a redirect. */
export async function renameTopic (trx: DB, topic: Topic, title: string, now = Date.now()): Promise<string> {
  const wanted = slugify(title)
  // The topic's own former slugs are free for it to take back, and its current one is its own.
  await trx.deleteFrom('topic_slugs').where('topic_id', '=', topic.id).where('slug', '=', wanted).execute()
  const slug = await uniqueSlug(wanted, async s => s !== topic.slug && await isTopicSlugTaken(trx, s))
  if (slug !== topic.slug) {
    await trx.insertInto('topic_slugs').values({ slug: topic.slug, topic_id: topic.id, created_at: now })
      .onConflict(oc => oc.column('slug').doNothing()).execute()
  }
  await trx.updateTable('topics').set({ title, slug }).where('id', '=', topic.id).execute()
  return slug
}
