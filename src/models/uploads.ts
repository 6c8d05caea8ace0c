import type { DB } from '../db/index.js'
import type { StoredUpload } from '../db/schema.js'
import type { StoredFile } from '../lib/documents.js'
import { inReadableForum } from './readable.js'

/** Records files already written to disk as a post's attachments; run it in the post's own transaction. */
export async function insertUploads (trx: DB, postId: number, uploaderId: number, files: StoredFile[], now = Date.now()): Promise<void> {
  if (files.length === 0) return
  await trx.insertInto('uploads').values(files.map(file => ({
    post_id: postId, uploader_id: uploaderId, stored_name: file.storedName, thumb_name: file.thumbName, name: file.name, mime: file.mime, size: file.size, created_at: now
  }))).execute()
}

/** The attachments of these posts, in the order they were added. */
export async function listUploadsOfPosts (db: DB, postIds: number[]): Promise<Map<number, StoredUpload[]>> {
  const byPost = new Map<number, StoredUpload[]>()
  if (postIds.length === 0) return byPost
  const rows = await db.selectFrom('uploads').selectAll().where('post_id', 'in', postIds).orderBy('id').execute()
  for (const row of rows) byPost.set(row.post_id, [...(byPost.get(row.post_id) ?? []), row])
  return byPost
}

export async function findUpload (db: DB, id: number): Promise<StoredUpload | undefined> {
  return db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst()
}

export interface ForumDocument extends StoredUpload { topic_title: string, author: string }

/** `/forum/:slug/documents`: every file in the visible posts of a forum's visible topics, newest first. */
export async function listForumDocuments (db: DB, forumId: number, readerId: number | null, page: { offset: number, limit: number }): Promise<ForumDocument[]> {
  return db.selectFrom('uploads')
    .innerJoin('posts', 'posts.id', 'uploads.post_id')
    .innerJoin('topics', 'topics.id', 'posts.topic_id')
    .innerJoin('users', 'users.id', 'uploads.uploader_id')
    .selectAll('uploads').select(['topics.title as topic_title', 'users.username as author'])
    .where('topics.forum_id', '=', forumId).where(inReadableForum('topics.forum_id', readerId))
    .where('posts.visible_position', 'is not', null).where('topics.hidden', '=', 0).where('topics.queued', '=', 0)
    .orderBy('uploads.id', 'desc').offset(page.offset).limit(page.limit).execute()
}

/** What a member's files take on disk, for the beheerder. */
export async function diskUsageOf (db: DB, userId: number): Promise<{ files: number, bytes: number }> {
  const row = await db.selectFrom('uploads').select(eb => [eb.fn.countAll<number>().as('files'), eb.fn.coalesce(eb.fn.sum<number>('size'), eb.val(0)).as('bytes')])
    .where('uploader_id', '=', userId).executeTakeFirstOrThrow()
  return { files: Number(row.files), bytes: Number(row.bytes) }
}
