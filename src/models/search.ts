import { sql } from 'kysely'
import type { DB } from '../db/index.js'
import type { ParsedQuery } from '../search/query.js'

export interface SearchHit {
  id: number
  body_md: string
  created_at: number
  topic_title: string
  forum_name: string
  forum_slug: string
  author: string
}

/** Who reads what: everyone the visible posts of visible topics; a moderator also what is hidden in their forums (null: all). */
export interface SearchScope { moderates: number[] | null | false }

/**
 * Posts matching a parsed query that this reader may read, ranked by bm25 (the title weighs
 * five times the body) or newest first, with the total. Permission filtering is in SQL, so
 * nothing hidden shows, not even in the count.
 */
export async function searchPosts (db: DB, query: ParsedQuery, scope: SearchScope, page: { limit: number, offset: number, order: 'relevance' | 'latest' }): Promise<{ total: number, hits: SearchHit[] }> {
  if (query.match === null) return { total: 0, hits: [] }
  let base = db.selectFrom(sql<{ rowid: number }>`posts_fts`.as('f'))
    .innerJoin('posts', 'posts.id', 'f.rowid')
    .innerJoin('topics', 'topics.id', 'posts.topic_id')
    .innerJoin('forums', 'forums.id', 'topics.forum_id')
    .innerJoin('users', 'users.id', 'posts.author_id')
    .where(sql<boolean>`posts_fts match ${query.match}`)
  const visible = sql<boolean>`(posts.visible_position is not null and topics.hidden = 0 and topics.queued = 0)`
  if (scope.moderates === false) base = base.where(visible)
  else if (scope.moderates !== null) base = base.where(eb => eb.or([visible, eb('topics.forum_id', 'in', [...scope.moderates as number[], -1])]))
  if (query.author) base = base.where('users.username_key', '=', query.author.normalize('NFKC').toLowerCase())
  if (query.forum) base = base.where('forums.slug', '=', query.forum)
  if (query.before !== null) base = base.where('posts.created_at', '<', query.before)
  if (query.after !== null) base = base.where('posts.created_at', '>=', query.after)
  const count = await base.select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  let ordered = base.select(['posts.id', 'posts.body_md', 'posts.created_at', 'topics.title as topic_title', 'forums.name as forum_name', 'forums.slug as forum_slug', 'users.username as author'])
  ordered = page.order === 'latest'
    ? ordered.orderBy('posts.created_at', 'desc').orderBy('posts.id', 'desc')
    : ordered.orderBy(sql`bm25(posts_fts, 5.0, 1.0)`).orderBy('posts.id', 'desc')
  return { total: Number(count.n), hits: await ordered.limit(page.limit).offset(page.offset).execute() }
}
