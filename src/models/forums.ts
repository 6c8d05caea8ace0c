import type { DB } from '../db/index.js'
import type { Forum } from '../db/schema.js'
import { slugify, uniqueSlug } from '../lib/slugs.js'
import { logAct, type Act } from './moderation.js'
import { inReadableForum } from './readable.js'

export interface LastPost {
  post_id: number
  topic_slug: string
  topic_title: string
  author: string
  created_at: number
}

export interface ForumSummary extends Forum {
  last: LastPost | null
  subforums: ForumSummary[]
  /** Counts and last post over this forum and all its subforums, as the index shows a parent. */
  tree: { topic_count: number, post_count: number, last: LastPost | null }
}

function sumTree (forum: ForumSummary): ForumSummary['tree'] {
  const tree = { topic_count: forum.topic_count, post_count: forum.post_count, last: forum.last }
  for (const sub of forum.subforums) {
    const below = sumTree(sub)
    tree.topic_count += below.topic_count
    tree.post_count += below.post_count
    if (below.last && (!tree.last || below.last.created_at > tree.last.created_at)) tree.last = below.last
  }
  forum.tree = tree
  return tree
}

/** Every forum this reader reads with its last post, nested: top-level forums in order, each with its subforums. */
export async function listForumTree (db: DB, readerId: number | null): Promise<ForumSummary[]> {
  const rows = await db.selectFrom('forums')
    .where(inReadableForum('forums.id', readerId))
    .leftJoin('posts', 'posts.id', 'forums.last_post_id')
    .leftJoin('topics', 'topics.id', 'posts.topic_id')
    .leftJoin('users', 'users.id', 'posts.author_id')
    .selectAll('forums')
    .select([
      'topics.slug as last_topic_slug', 'topics.title as last_topic_title',
      'users.username as last_author', 'posts.created_at as last_created_at'
    ])
    .orderBy('forums.position').orderBy('forums.name')
    .execute()
  const byId = new Map<number, ForumSummary>()
  for (const { last_topic_slug: slug, last_topic_title: title, last_author: author, last_created_at: at, ...forum } of rows) {
    const last = forum.last_post_id !== null && slug !== null && title !== null && author !== null && at !== null
      ? { post_id: forum.last_post_id, topic_slug: slug, topic_title: title, author, created_at: at }
      : null
    byId.set(forum.id, { ...forum, last, subforums: [], tree: { topic_count: 0, post_count: 0, last: null } })
  }
  const roots: ForumSummary[] = []
  for (const forum of byId.values()) {
    const parent = forum.parent_id === null ? undefined : byId.get(forum.parent_id)
    if (parent) parent.subforums.push(forum)
    else roots.push(forum)
  }
  for (const root of roots) sumTree(root)
  return roots
}

export interface ForumChoice { id: number, slug: string, name: string, depth: number, parent_id: number | null }

/** The forums from the top down to `forumId`, for breadcrumbs. */
export function forumPath (forums: ForumChoice[], forumId: number): ForumChoice[] {
  const path: ForumChoice[] = []
  for (let forum = forums.find(f => f.id === forumId); forum; forum = forums.find(f => f.id === forum!.parent_id)) {
    path.unshift(forum)
    if (path.length > forums.length) break
  }
  return path
}

/** Every forum this reader reads ('all': the beheerder's lists), in tree order with its depth, for lists to choose from, breadcrumbs and names. */
export async function listForumsFlat (db: DB, readerId: number | null | 'all'): Promise<ForumChoice[]> {
  let query = db.selectFrom('forums').select(['id', 'slug', 'name', 'parent_id'])
  if (readerId !== 'all') query = query.where(inReadableForum('forums.id', readerId))
  const rows = await query.orderBy('position').orderBy('name').execute()
  const children = (parentId: number | null, depth: number): ForumChoice[] => rows
    .filter(row => row.parent_id === parentId)
    .flatMap(row => [{ ...row, depth }, ...(depth < 50 ? children(row.id, depth + 1) : [])])
  return children(null, 0)
}

export async function findForumBySlug (db: DB, slug: string): Promise<Forum | undefined> {
  return db.selectFrom('forums').selectAll().where('slug', '=', slug).executeTakeFirst()
}

export class ForumError extends Error {}

/** Creates a forum; `act`, when given, is logged in the same transaction. */
export async function createForum (db: DB, input: { name: string, slug?: string, parentSlug?: string, description?: string }, act?: Act): Promise<Forum> {
  const name = input.name.trim()
  if (name.length < 1 || name.length > 100) throw new ForumError('A forum name has 1 to 100 characters')
  return db.transaction().execute(async trx => {
    let parentId: number | null = null
    if (input.parentSlug !== undefined) {
      const parent = await findForumBySlug(trx, input.parentSlug)
      if (!parent) throw new ForumError(`No forum with slug "${input.parentSlug}"`)
      parentId = parent.id
    }
    const isTaken = async (slug: string): Promise<boolean> => (await findForumBySlug(trx, slug)) !== undefined
    let slug: string
    if (input.slug !== undefined) {
      slug = input.slug
      if (slug !== slugify(slug, '')) throw new ForumError(`"${slug}" is not a slug: use lowercase letters, digits and hyphens`)
      if (await isTaken(slug)) throw new ForumError(`The slug "${slug}" is taken`)
    } else {
      slug = await uniqueSlug(slugify(name, 'forum'), isTaken)
    }
    const last = await trx.selectFrom('forums').select(eb => eb.fn.max('position').as('max'))
      .where('parent_id', parentId === null ? 'is' : '=', parentId).executeTakeFirst()
    const forum = await trx.insertInto('forums').values({
      name, slug, parent_id: parentId, description: input.description?.trim() ?? '', position: (last?.max ?? 0) + 1, kind: 'normal'
    }).returningAll().executeTakeFirstOrThrow()
    if (act) await logAct(trx, { ...act, to: forum.slug })
    return forum
  })
}
