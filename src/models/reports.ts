import type { DB } from '../db/index.js'
import type { Resolution } from '../db/schema.js'
import { applyPostState, logAct } from './moderation.js'

/** A member reports a post once; a second report of the same post is a no-op. Returns whether it was new. */
export async function reportPost (db: DB, input: { postId: number, reporterId: number, reason: string, now?: number }): Promise<boolean> {
  const result = await db.insertInto('reports').values({
    post_id: input.postId, reporter_id: input.reporterId, reason: input.reason, created_at: input.now ?? Date.now()
  }).onConflict(oc => oc.columns(['post_id', 'reporter_id']).doNothing()).executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
}

export interface OpenReportGroup {
  post_id: number
  count: number
  first_at: number
  reports: Array<{ reason: string, reporter: string, at: number }>
  author: string
  topic_slug: string
  topic_title: string
  body_html: string
  hidden: number
  forum_id: number
}

/** Open reports in these forums (null: all) grouped by post, the most reported first, with who reported and when. */
export async function listOpenReports (db: DB, forumIds: number[] | null): Promise<OpenReportGroup[]> {
  let query = db.selectFrom('reports')
    .innerJoin('posts', 'posts.id', 'reports.post_id')
    .innerJoin('topics', 'topics.id', 'posts.topic_id')
    .innerJoin('users as author', 'author.id', 'posts.author_id')
    .select(eb => [
      'reports.post_id',
      eb.fn.countAll<number>().as('count'),
      eb.fn.min('reports.created_at').as('first_at'),
      'author.username as author', 'topics.slug as topic_slug', 'topics.title as topic_title',
      'posts.body_html', 'posts.hidden', 'topics.forum_id'
    ])
    .where('reports.resolved_at', 'is', null)
  if (forumIds !== null) query = query.where('topics.forum_id', 'in', [...forumIds, -1])
  // Grouped by every row the columns come from (one per post), as any SQL database accepts.
  const groups = await query.groupBy(['reports.post_id', 'posts.id', 'topics.id', 'author.id']).orderBy('count', 'desc').orderBy('first_at').execute()
  if (groups.length === 0) return []
  // Each group's reports in a second query (plain rows, no database's own JSON functions).
  const reports = await db.selectFrom('reports').innerJoin('users as reporter', 'reporter.id', 'reports.reporter_id')
    .select(['reports.post_id', 'reports.reason', 'reporter.username as reporter', 'reports.created_at as at'])
    .where('reports.resolved_at', 'is', null).where('reports.post_id', 'in', groups.map(group => group.post_id)).orderBy('reports.id').execute()
  return groups.map(group => ({
    ...group, count: Number(group.count), reports: reports.filter(report => report.post_id === group.post_id).map(({ reason, reporter, at }) => ({ reason, reporter, at }))
  }))
}

/** Closes every open report of a post with one decision (hiding the post when asked), and logs it. */
export async function resolveReports (db: DB, input: {
  post: { id: number, topic_id: number, author_id: number, hidden: number }
  moderatorId: number
  resolution: Resolution
  hide?: { reason: string }
  /** Why, in the moderator's words: kept in the log. */
  reason?: string
  now?: number
}): Promise<number> {
  const now = input.now ?? Date.now()
  const postId = input.post.id
  return db.transaction().execute(async trx => {
    if (input.hide && input.resolution === 'upheld' && !input.post.hidden) {
      await applyPostState(trx, input.post, { hidden: true }, { moderatorId: input.moderatorId, action: 'post.hide', reason: input.hide.reason, now })
    }
    const result = await trx.updateTable('reports')
      .set({ resolved_at: now, resolved_by: input.moderatorId, resolution: input.resolution })
      .where('post_id', '=', postId).where('resolved_at', 'is', null)
      .executeTakeFirst()
    const closed = Number(result.numUpdatedRows)
    if (closed > 0) {
      await logAct(trx, { moderatorId: input.moderatorId, action: `report.${input.resolution}`, postId, topicId: input.post.topic_id, to: String(closed), reason: input.reason, now })
    }
    return closed
  })
}
