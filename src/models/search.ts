import { sql, type RawBuilder } from 'kysely'
import { isPostgres, type DB } from '../db/index.js'
import { inReadableForum } from './readable.js'
import type { ParsedQuery } from '../search/query.js'
import { RANK_WEIGHTS, searchTsquery } from '../search/postgres-query.js'

export interface SearchHit {
  id: number
  body_md: string
  created_at: number
  topic_title: string
  forum_name: string
  forum_slug: string
  author: string
}

/**
 * Who reads what: only forums the reader reads (private ones for their group); there, the
 * visible posts of visible topics, and a moderator also what is hidden in their forums (null: all).
 */
export interface SearchScope { readerId: number | null, moderates: number[] | null | false }

/**
 * How many matches, newest first, are counted and ranked. Ranking every match of a common
 * word costs time in proportion to the forum (0.7 s for a word in 160,000 of 1M posts);
 * ranking the newest thousand costs 10 ms, and a forum's reader mostly wants the recent ones.
 * Past it the count says "more than 1,000".
 */
export const RANKED = 1000

/**
 * Posts matching a parsed query that this reader may read, ranked (the title weighs five times
 * the body: bm25 on SQLite, ts_rank on PostgreSQL) or newest first, with the total (capped at
 * RANKED: `more` says there are more). Permissions are in SQL before the limit, so nothing
 * hidden shows, not even in the count. Dates bound the post ids, which follow time (Kring
 * writes posts in time order).
 */
export async function searchPosts (db: DB, query: ParsedQuery, scope: SearchScope, page: { limit: number, offset: number, order: 'relevance' | 'latest' }): Promise<{ total: number, more: boolean, hits: SearchHit[] }> {
  const none = { total: 0, more: false, hits: [] }
  if (query.match === null) return none
  const filters = await findFilters(db, query)
  if (filters === null) return none
  const ranked = page.order === 'relevance' && query.rankable
  const found = isPostgres(db)
    ? await newestOnPostgres(db, query, filters, await scopeConditions(db, query, scope, sql`f.post_id`), ranked)
    : await newestOnSqlite(db, query, filters, await scopeConditions(db, query, scope, sql`f.rowid`), ranked)
  const more = found.length > RANKED
  const counted = found.slice(0, RANKED)
  if (ranked) counted.sort((a, b) => a.score - b.score || b.id - a.id)
  const ids = counted.slice(page.offset, page.offset + page.limit).map(row => row.id)
  if (ids.length === 0) return { total: counted.length, more, hits: [] }
  const rows = await db.selectFrom('posts')
    .innerJoin('topics', 'topics.id', 'posts.topic_id')
    .innerJoin('forums', 'forums.id', 'topics.forum_id')
    .innerJoin('users', 'users.id', 'posts.author_id')
    .select(['posts.id', 'posts.body_md', 'posts.created_at', 'topics.title as topic_title', 'forums.name as forum_name', 'forums.slug as forum_slug', 'users.username as author'])
    .where('posts.id', 'in', ids)
    .execute()
  const byId = new Map(rows.map(row => [row.id, row]))
  return { total: counted.length, more, hits: ids.flatMap(id => byId.get(id) ?? []) }
}

interface Filters { authorId: number | null, forumId: number | null }
/** Lower scores come first: bm25's best is its most negative. */
type Found = Array<{ id: number, score: number }>

/** The ids of the `@name` and `in:forum` filters; null when either names nothing, so nothing is found. */
async function findFilters (db: DB, query: ParsedQuery): Promise<Filters | null> {
  const filters: Filters = { authorId: null, forumId: null }
  if (query.author !== null) {
    const author = await db.selectFrom('users').select('id').where('username_key', '=', query.author.normalize('NFKC').toLowerCase()).executeTakeFirst()
    if (!author) return null
    filters.authorId = author.id
  }
  if (query.forum !== null) {
    const forum = await db.selectFrom('forums').select('id').where('slug', '=', query.forum).executeTakeFirst()
    if (!forum) return null
    filters.forumId = forum.id
  }
  return filters
}

/** Who may read a match, and the date filters, on either database; `id` is the index's post id. */
async function scopeConditions (db: DB, query: ParsedQuery, scope: SearchScope, id: RawBuilder<unknown>): Promise<Array<RawBuilder<boolean>>> {
  const conditions = [inReadableForum('topics.forum_id', scope.readerId)]
  const visible = sql<boolean>`(posts.visible_position is not null and topics.hidden = 0 and topics.queued = 0)`
  if (scope.moderates === false) conditions.push(visible)
  else if (scope.moderates !== null) conditions.push(sql<boolean>`(${visible} or topics.forum_id in (${sql.join([...scope.moderates, -1])}))`)
  if (query.after !== null) conditions.push(sql<boolean>`posts.created_at >= ${query.after}`, sql<boolean>`${id} >= ${await firstPostSince(db, query.after)}`)
  if (query.before !== null) conditions.push(sql<boolean>`posts.created_at < ${query.before}`, sql<boolean>`${id} < ${await firstPostSince(db, query.before)}`)
  return conditions
}

/** FTS5: the author and forum filters are terms of the index's meta column. */
async function newestOnSqlite (db: DB, query: ParsedQuery, filters: Filters, conditions: Array<RawBuilder<boolean>>, ranked: boolean): Promise<Found> {
  let match = `(${query.match ?? ''})`
  if (filters.authorId !== null) match += ` AND meta : "a${filters.authorId}"`
  if (filters.forumId !== null) match += ` AND meta : "f${filters.forumId}"`
  const score = ranked ? sql<number>`bm25(posts_fts, 5.0, 1.0, 0.0)` : sql<number>`0`
  let window = db.selectFrom(sql<{ rowid: number }>`posts_fts`.as('f'))
    .innerJoin('posts', 'posts.id', 'f.rowid')
    .innerJoin('topics', 'topics.id', 'posts.topic_id')
    .where(sql<boolean>`posts_fts match ${match}`)
    .select([sql<number>`f.rowid`.as('id'), score.as('score')])
  for (const condition of conditions) window = window.where(condition)
  return window.orderBy(sql`f.rowid`, 'desc').limit(RANKED + 1).execute()
}

/**
 * post_search (migration 2026_11_30_0022): the author and forum filters are plain joins, and
 * only the window of the newest matches is ranked. `in:titel` looks for the whole query
 * (exclusions too) in the title's lexemes alone.
 */
async function newestOnPostgres (db: DB, query: ParsedQuery, filters: Filters, conditions: Array<RawBuilder<boolean>>, ranked: boolean): Promise<Found> {
  // Made once, first: as part of the query, the functions that stem would run again for every row.
  const made = await sql<{ wanted: string }>`select (${searchTsquery(query.terms)})::text as wanted`.execute(db)
  const wanted = sql`${made.rows[0].wanted}::tsquery`
  let window = db.selectFrom(sql<{ post_id: number, document: string }>`post_search`.as('f'))
    .innerJoin('posts', 'posts.id', 'f.post_id')
    .innerJoin('topics', 'topics.id', 'posts.topic_id')
    .select(['f.post_id as id', 'f.document'])
  // The title's words have an index of their own (migration 2026_11_30_0025), on this very expression.
  window = window.where(query.titleOnly ? sql<boolean>`ts_filter(f.document, '{a}') @@ ${wanted}` : sql<boolean>`f.document @@ ${wanted}`)
  if (filters.authorId !== null) window = window.where('posts.author_id', '=', filters.authorId)
  if (filters.forumId !== null) window = window.where('topics.forum_id', '=', filters.forumId)
  for (const condition of conditions) window = window.where(condition)
  const newest = window.orderBy('f.post_id', 'desc').limit(RANKED + 1)
  // Lower first, as bm25.
  const score = ranked ? sql<number>`-ts_rank(${RANK_WEIGHTS}, w.document, ${wanted})` : sql<number>`0`
  return db.selectFrom(newest.as('w')).select(['w.id', score.as('score')]).orderBy('w.id', 'desc').execute()
}

/** The id of the first post written at or after `ms` (one past the last post when none): a binary search over ids, which follow time. */
async function firstPostSince (db: DB, ms: number): Promise<number> {
  // One aggregate per query: SQLite answers min() or max() from the primary key, both at once by a scan.
  const last = await db.selectFrom('posts').select(eb => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()
  let low = 1
  let high = Number(last.id ?? 0) + 1
  while (low < high) {
    const middle = Math.floor((low + high) / 2)
    const post = await db.selectFrom('posts').select(['id', 'created_at']).where('id', '>=', middle).orderBy('id').limit(1).executeTakeFirst()
    if (post === undefined || post.created_at >= ms) high = middle
    else low = post.id + 1
  }
  return low
}
