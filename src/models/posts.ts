import type { DB } from '../db/index.js'
import type { Post, Role } from '../db/schema.js'
import { findMentions, renderPost } from '../lib/markdown.js'
import { isTrustedAuthor } from '../permissions.js'
import { recordNewPost, renameTopic } from './topics.js'
import { findMembersByKeys } from './users.js'

/** Markdown → the HTML stored beside it: mentions of members become links, rel by the author's role. */
export async function renderPostBody (db: DB, source: string, author: { role: Role }): Promise<string> {
  const members = await findMembersByKeys(db, findMentions(source))
  return renderPost(source, { members, trusted: isTrustedAuthor(author) })
}

export interface PostWithAuthor extends Post {
  author: string
  author_role: Role
}

/** Posts by position, so a late page costs what page 1 costs. */
export async function listPostsInTopic (db: DB, topicId: number, first: number, last: number): Promise<PostWithAuthor[]> {
  return db.selectFrom('posts')
    .innerJoin('users', 'users.id', 'posts.author_id')
    .selectAll('posts')
    .select(['users.username as author', 'users.role as author_role'])
    .where('posts.topic_id', '=', topicId)
    .where('posts.position', '>=', first)
    .where('posts.position', '<=', last)
    .orderBy('posts.position')
    .execute()
}

export interface PostInTopic extends Post {
  topic_slug: string
  topic_title: string
  topic_author_id: number
}

export async function findPostById (db: DB, id: number): Promise<PostInTopic | undefined> {
  return db.selectFrom('posts')
    .innerJoin('topics', 'topics.id', 'posts.topic_id')
    .selectAll('posts')
    .select(['topics.slug as topic_slug', 'topics.title as topic_title', 'topics.author_id as topic_author_id'])
    .where('posts.id', '=', id)
    .executeTakeFirst()
}

export async function createReply (db: DB, input: { topicId: number, authorId: number, bodyMd: string, bodyHtml: string, now?: number }): Promise<Post> {
  const now = input.now ?? Date.now()
  return db.transaction().execute(async trx => {
    const topic = await trx.selectFrom('topics').select(['post_count', 'forum_id'])
      .where('id', '=', input.topicId).executeTakeFirstOrThrow()
    const post = await trx.insertInto('posts').values({
      topic_id: input.topicId,
      author_id: input.authorId,
      position: topic.post_count + 1,
      body_md: input.bodyMd,
      body_html: input.bodyHtml,
      created_at: now
    }).returningAll().executeTakeFirstOrThrow()
    await recordNewPost(trx, post, topic.forum_id, false)
    return post
  })
}

/** Saves a new body, and for a topic's first post a new title; returns the topic's slug after it. */
export async function editPost (db: DB, input: { postId: number, bodyMd: string, bodyHtml: string, title?: string, now?: number }): Promise<string> {
  const now = input.now ?? Date.now()
  return db.transaction().execute(async trx => {
    const post = await trx.updateTable('posts')
      .set({ body_md: input.bodyMd, body_html: input.bodyHtml, edited_at: now })
      .where('id', '=', input.postId)
      .returning(['topic_id', 'position'])
      .executeTakeFirstOrThrow()
    const topic = await trx.selectFrom('topics').selectAll().where('id', '=', post.topic_id).executeTakeFirstOrThrow()
    if (input.title !== undefined && post.position === 1) return renameTopic(trx, topic, input.title)
    return topic.slug
  })
}

export interface RecentPost { id: number, created_at: number, topic_slug: string, topic_title: string }

export async function listRecentPostsByUser (db: DB, userId: number, limit: number): Promise<RecentPost[]> {
  return db.selectFrom('posts')
    .innerJoin('topics', 'topics.id', 'posts.topic_id')
    .select(['posts.id', 'posts.created_at', 'topics.slug as topic_slug', 'topics.title as topic_title'])
    .where('posts.author_id', '=', userId)
    .where('posts.hidden', '=', 0)
    .where('topics.hidden', '=', 0)
    .orderBy('posts.created_at', 'desc').orderBy('posts.id', 'desc')
    .limit(limit)
    .execute()
}
