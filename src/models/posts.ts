import { sql } from 'kysely'
import type { DB } from '../db/index.js'
import type { Post, Role } from '../db/schema.js'
import { mentionCandidates, renderPost } from '../lib/markdown.js'
import { isTrustedAuthor } from '../permissions.js'
import { insertPost, PostedMeanwhile, recordNewPost, renameTopic } from './topics.js'
import { findMembersByKeys } from './users.js'
import { recountAll } from './recount.js'
import { inReadableForum } from './readable.js'
import { insertUploads } from './uploads.js'
import type { StoredFile } from '../lib/documents.js'
import { logAct } from './moderation.js'
import { saveEvent, type EventInput } from './events.js'

/**
 * Markdown → the HTML stored beside it, on this thread: for text Kring itself writes (demo
 * content, test fixtures). What members type goes through the render pool (app.renderBody).
 */
export async function renderPostBody (db: DB, source: string, author: { role: Role }): Promise<string> {
  const members = await findMembersByKeys(db, mentionCandidates(source))
  return renderPost(source, { members, trusted: isTrustedAuthor(author) })
}

export interface PostWithAuthor extends Post {
  author: string
  author_role: Role
  /** The author's profile as every post shows it (organisation and avatar to those who see profiles). */
  author_display_name: string
  author_organisation: string
  author_expert: string
  author_avatar: string | null
  hidden_by_name: string | null
}

const AUTHOR_COLUMNS = ['users.username as author', 'users.role as author_role', 'users.display_name as author_display_name',
  'users.organisation as author_organisation', 'users.expert_label as author_expert', 'users.avatar as author_avatar'] as const

/**
 * One page of a topic. Moderators page through every post by position; everyone else
 * through the visible ones by visible position. Either way a late page costs what page 1 costs.
 */
export async function listPostsInTopic (db: DB, topicId: number, range: { first: number, last: number, everything: boolean }): Promise<PostWithAuthor[]> {
  const column = range.everything ? 'posts.position' : 'posts.visible_position'
  return db.selectFrom('posts')
    .innerJoin('users', 'users.id', 'posts.author_id')
    .leftJoin('users as hider', 'hider.id', 'posts.hidden_by')
    .selectAll('posts')
    .select([...AUTHOR_COLUMNS, 'hider.username as hidden_by_name'])
    .where('posts.topic_id', '=', topicId)
    .where(column, '>=', range.first)
    .where(column, '<=', range.last)
    .orderBy(column)
    // Positions are unique in a topic, so this cuts nothing; it tells PostgreSQL's planner that few rows come, so it
    // walks the (topic, position) index rather than scanning every post (positions 1–10 are in every topic).
    .limit(range.last - range.first + 1)
    .execute()
}

/** One visible post of a topic with its author, as a topic page shows it (the accepted answer under its question; one moved away since is not it). */
export async function findVisiblePostWithAuthor (db: DB, id: number, topicId: number): Promise<PostWithAuthor | undefined> {
  return db.selectFrom('posts')
    .innerJoin('users', 'users.id', 'posts.author_id')
    .selectAll('posts')
    .select(AUTHOR_COLUMNS)
    .select(eb => eb.val<string | null>(null).as('hidden_by_name'))
    .where('posts.id', '=', id).where('posts.topic_id', '=', topicId).where('posts.visible_position', 'is not', null)
    .executeTakeFirst()
}

/** An author's own posts that wait for approval: only they (and moderators) see them. */
export async function listQueuedPostsByAuthor (db: DB, topicId: number, authorId: number): Promise<PostWithAuthor[]> {
  return db.selectFrom('posts')
    .innerJoin('users', 'users.id', 'posts.author_id')
    .selectAll('posts')
    .select(AUTHOR_COLUMNS)
    .select(eb => eb.val<string | null>(null).as('hidden_by_name'))
    // "+": not through the topic's index (every post of a long topic), but the queued posts' own (migration 0018).
    .where(sql<number>`+posts.topic_id`, '=', topicId)
    .where('posts.author_id', '=', authorId)
    .where('posts.queued', '=', 1)
    .where('posts.hidden', '=', 0)
    .orderBy('posts.position')
    .execute()
}

export interface QueuedPost { id: number, body_html: string, created_at: number, position: number, topic_slug: string, topic_title: string, forum_id: number, author: string }

/** Posts waiting for approval in these forums (null: all), oldest first. */
export async function listQueuedPosts (db: DB, forumIds: number[] | null, limit: number): Promise<QueuedPost[]> {
  let query = db.selectFrom('posts')
    .innerJoin('topics', 'topics.id', 'posts.topic_id')
    .innerJoin('users', 'users.id', 'posts.author_id')
    .select(['posts.id', 'posts.body_html', 'posts.created_at', 'posts.position', 'topics.slug as topic_slug',
      'topics.title as topic_title', 'topics.forum_id', 'users.username as author'])
    .where('posts.queued', '=', 1).where('posts.hidden', '=', 0)
  if (forumIds !== null) query = query.where('topics.forum_id', 'in', [...forumIds, -1])
  return query.orderBy('posts.created_at').limit(limit).execute()
}

export interface PostInTopic extends Post {
  topic_slug: string
  topic_title: string
  topic_hidden: number
  topic_locked: number
  topic_announced: number
  forum_id: number
}

export async function findPostById (db: DB, id: number): Promise<PostInTopic | undefined> {
  return db.selectFrom('posts')
    .innerJoin('topics', 'topics.id', 'posts.topic_id')
    .selectAll('posts')
    .select(['topics.slug as topic_slug', 'topics.title as topic_title', 'topics.hidden as topic_hidden',
      'topics.locked as topic_locked', 'topics.announced as topic_announced', 'topics.forum_id'])
    .where('posts.id', '=', id)
    .executeTakeFirst()
}

export interface NewReply {
  topicId: number
  authorId: number
  bodyMd: string
  bodyHtml: string
  /** Waits for a moderator before anyone else sees it. */
  queued?: boolean
  /** The author's last post time the posting limit was checked against (undefined: no limit applies). */
  expectedLastPostAt?: number | null
  /** Tell followers (see insertPost). */
  notify?: boolean
  /** Files already on disk, recorded as the post's attachments in the same transaction. */
  attachments?: StoredFile[]
  now?: number
}

export async function createReply (db: DB, input: NewReply): Promise<Post> {
  const now = input.now ?? Date.now()
  return db.transaction().execute(async trx => {
    const topic = await trx.selectFrom('topics').select(['post_count', 'visible_post_count', 'forum_id'])
      .where('id', '=', input.topicId).executeTakeFirstOrThrow()
    const post = await insertPost(trx, {
      topicId: input.topicId,
      authorId: input.authorId,
      position: topic.post_count + 1,
      visiblePosition: topic.visible_post_count + 1,
      queued: input.queued,
      bodyMd: input.bodyMd,
      bodyHtml: input.bodyHtml,
      createdAt: now,
      notify: input.notify
    })
    await recordNewPost(trx, post, topic.forum_id, false, input.expectedLastPostAt)
    await insertUploads(trx, post.id, input.authorId, input.attachments ?? [], now)
    return post
  })
}

export interface PostEdit {
  postId: number
  editorId: number
  bodyMd: string
  bodyHtml: string
  /** A new title, for a topic's first post. */
  title?: string
  reason?: string
  /** The new text must wait for approval again (a member's edit that added too many links). */
  requeue?: boolean
  /** The editor's last edit time the edit spacing was checked against (undefined: no limit applies). */
  expectedLastEditAt?: number | null
  /** Files already on disk to add, and attachments of this post to take off (their files are the caller's to remove after). */
  attachments?: StoredFile[]
  removeUploadIds?: number[]
  /** For a topic's first post: its event (null takes it away; undefined leaves it as it is). */
  event?: EventInput | null
  now?: number
}

/** Edits by one editor within this time of the revision that began them fold into that one revision. */
export const REVISION_FOLD_MS = 5 * 60_000

/** Keeps what the post said before, as a revision; a burst of edits by one editor keeps one. */
async function keepRevision (trx: DB, input: PostEdit, before: { body_md: string, title: string }, retitled: boolean, now: number): Promise<void> {
  const latest = await trx.selectFrom('post_revisions').select(['id', 'editor_id', 'created_at', 'title', 'reason'])
    .where('post_id', '=', input.postId).orderBy('id', 'desc').limit(1).executeTakeFirst()
  if (latest && latest.editor_id === input.editorId && now - latest.created_at < REVISION_FOLD_MS) {
    // That revision already holds the text from before the burst; the title too, unless this edit is the burst's first rename.
    const patch = { title: latest.title ?? (retitled ? before.title : null), reason: latest.reason ?? (input.reason || null) }
    await trx.updateTable('post_revisions').set(patch).where('id', '=', latest.id).execute()
    return
  }
  await trx.insertInto('post_revisions').values({
    post_id: input.postId,
    editor_id: input.editorId,
    created_at: now,
    reason: input.reason || null,
    title: retitled ? before.title : null,
    body_md: before.body_md
  }).execute()
}

/** Saves a new body (and title), keeping what it said before as a revision; returns the topic's slug. */
export async function editPost (db: DB, input: PostEdit): Promise<string> {
  const now = input.now ?? Date.now()
  return db.transaction().execute(async trx => {
    let stamp = trx.updateTable('users').set({ last_edit_at: now }).where('id', '=', input.editorId)
    if (input.expectedLastEditAt !== undefined) {
      stamp = stamp.where('last_edit_at', input.expectedLastEditAt === null ? 'is' : '=', input.expectedLastEditAt)
    }
    // Another edit by the same member landed since the spacing was checked: this one waits.
    if (Number((await stamp.executeTakeFirst()).numUpdatedRows) === 0) throw new PostedMeanwhile()
    const before = await trx.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id')
      .select(['posts.body_md', 'posts.position', 'posts.topic_id', 'posts.author_id', 'topics.title', 'topics.forum_id'])
      .where('posts.id', '=', input.postId).executeTakeFirstOrThrow()
    const retitled = input.title !== undefined && before.position === 1 && input.title !== before.title
    await keepRevision(trx, input, before, retitled, now)
    await trx.updateTable('posts')
      .set({ body_md: input.bodyMd, body_html: input.bodyHtml, edited_at: now })
      .where('id', '=', input.postId).execute()
    if ((input.removeUploadIds ?? []).length > 0) await trx.deleteFrom('uploads').where('post_id', '=', input.postId).where('id', 'in', input.removeUploadIds!).execute()
    // Attachments are the author's: a moderator's edit keeps them on the author's account.
    await insertUploads(trx, input.postId, before.author_id, input.attachments ?? [], now)
    if (input.event !== undefined && before.position === 1) await saveEvent(trx, before.topic_id, input.event, now)
    if (input.requeue) {
      await trx.updateTable('posts').set({ queued: 1 }).where('id', '=', input.postId).execute()
      await recountAll(trx, { topics: [before.topic_id], forums: [before.forum_id], users: [before.author_id] })
    }
    // Editing someone else's post is a moderation act.
    if (input.editorId !== before.author_id) {
      await logAct(trx, { moderatorId: input.editorId, action: 'post.edit', topicId: before.topic_id, postId: input.postId, reason: input.reason, now })
    }
    const topic = await trx.selectFrom('topics').selectAll().where('id', '=', before.topic_id).executeTakeFirstOrThrow()
    return retitled ? renameTopic(trx, topic, input.title!, now) : topic.slug
  })
}

export interface Revision { id: number, created_at: number, editor: string, reason: string | null, title: string | null, body_md: string }

export async function listRevisions (db: DB, postId: number): Promise<Revision[]> {
  return db.selectFrom('post_revisions')
    .innerJoin('users', 'users.id', 'post_revisions.editor_id')
    .select(['post_revisions.id', 'post_revisions.created_at', 'users.username as editor', 'post_revisions.reason',
      'post_revisions.title', 'post_revisions.body_md'])
    .where('post_id', '=', postId)
    .orderBy('post_revisions.created_at', 'desc').orderBy('post_revisions.id', 'desc')
    .execute()
}

export interface RecentPost { id: number, created_at: number, topic_slug: string, topic_title: string }

/** How many visible posts a member wrote in the forums the reader reads (the stored count holds private forums too). */
export async function countPostsByUser (db: DB, readerId: number | null, userId: number): Promise<number> {
  const row = await db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id')
    .select(eb => eb.fn.countAll<number>().as('n'))
    .where('posts.author_id', '=', userId).where('posts.visible_position', 'is not', null)
    .where('topics.hidden', '=', 0).where('topics.queued', '=', 0)
    .where(inReadableForum('topics.forum_id', readerId))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** A member's latest visible posts, in the forums the reader reads. */
export async function listRecentPostsByUser (db: DB, readerId: number | null, userId: number, limit: number): Promise<RecentPost[]> {
  return db.selectFrom('posts')
    .innerJoin('topics', 'topics.id', 'posts.topic_id')
    .where(inReadableForum('topics.forum_id', readerId))
    .select(['posts.id', 'posts.created_at', 'topics.slug as topic_slug', 'topics.title as topic_title'])
    .where('posts.author_id', '=', userId)
    .where('posts.visible_position', 'is not', null)
    .where('topics.hidden', '=', 0)
    .where('topics.queued', '=', 0)
    .orderBy('posts.created_at', 'desc').orderBy('posts.id', 'desc')
    .limit(limit)
    .execute()
}
