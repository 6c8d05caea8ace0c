import type { DB } from '../db/index.js'
import { inReadableForum } from './readable.js'

export interface FeedEntry { post_id: number, title: string, author: string, body_html: string, created_at: number, edited_at: number | null }

/** The newest topics everyone may read (of one forum, or all), each with its opening post. */
export async function listNewestTopicEntries (db: DB, forumId: number | null, limit: number): Promise<FeedEntry[]> {
  let query = db.selectFrom('topics')
    .innerJoin('posts', join => join.onRef('posts.topic_id', '=', 'topics.id').on('posts.position', '=', 1))
    .innerJoin('users', 'users.id', 'posts.author_id')
    .select(['posts.id as post_id', 'topics.title', 'users.username as author', 'posts.body_html', 'posts.created_at', 'posts.edited_at'])
    .where('topics.hidden', '=', 0).where('topics.queued', '=', 0).where('posts.visible_position', 'is not', null).where('posts.deleted_at', 'is', null)
    // Feeds are for anyone with the address: what a guest reads.
    .where(inReadableForum('topics.forum_id', null))
  if (forumId !== null) query = query.where('topics.forum_id', '=', forumId)
  return query.orderBy('topics.created_at', 'desc').orderBy('topics.id', 'desc').limit(limit).execute()
}

/** The newest posts of a topic that everyone may read. */
export async function listNewestPostEntries (db: DB, topicId: number, limit: number): Promise<FeedEntry[]> {
  return db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id').innerJoin('users', 'users.id', 'posts.author_id')
    .select(['posts.id as post_id', 'topics.title', 'users.username as author', 'posts.body_html', 'posts.created_at', 'posts.edited_at'])
    .where('posts.topic_id', '=', topicId).where('posts.visible_position', 'is not', null).where('posts.deleted_at', 'is', null)
    .orderBy('posts.visible_position', 'desc').limit(limit).execute()
}
