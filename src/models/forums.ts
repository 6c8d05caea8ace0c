import type { DB } from '../db/index.js'
import type { Forum } from '../db/schema.js'
import { slugify, uniqueSlug } from '../lib/slugs.js'
import { logAct, type Act } from './moderation.js'

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
}

/** Every forum with its last post, nested: top-level forums in order, each with its subforums. */
export async function listForumTree (db: DB): Promise<ForumSummary[]> {
  const rows = await db.selectFrom('forums')
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
    byId.set(forum.id, { ...forum, last, subforums: [] })
  }
  const roots: ForumSummary[] = []
  for (const forum of byId.values()) {
    const parent = forum.parent_id === null ? undefined : byId.get(forum.parent_id)
    if (parent) parent.subforums.push(forum)
    else roots.push(forum)
  }
  return roots
}

export interface ForumChoice { id: number, slug: string, name: string, depth: number }

/** Every forum in tree order with its depth, for lists to choose from. */
export async function listForumsFlat (db: DB): Promise<ForumChoice[]> {
  const flatten = (forums: ForumSummary[], depth: number): ForumChoice[] =>
    forums.flatMap(f => [{ id: f.id, slug: f.slug, name: f.name, depth }, ...flatten(f.subforums, depth + 1)])
  return flatten(await listForumTree(db), 0)
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
      name, slug, parent_id: parentId, description: input.description?.trim() ?? '', position: (last?.max ?? 0) + 1
    }).returningAll().executeTakeFirstOrThrow()
    if (act) await logAct(trx, { ...act, to: forum.slug })
    return forum
  })
}
