import type { DB } from '../db/index.js'
import { inReadableForum } from './readable.js'
import type { ImportedKind, LegacyKind } from '../db/schema.js'

export type { ImportedKind, LegacyKind }

/** "/Forums/Topic/Caf%C3%A9/" → "/forums/topic/café": how paths are stored and looked up. */
export function legacyPathKey (rawPath: string): string {
  let path = rawPath
  try {
    path = decodeURIComponent(rawPath)
  } catch {}
  return path.toLowerCase().replace(/\/+$/, '') || '/'
}

export async function findLegacyPath (db: DB, path: string): Promise<{ kind: LegacyKind, new_id: number } | undefined> {
  return db.selectFrom('legacy_paths').select(['kind', 'new_id']).where('path', '=', legacyPathKey(path)).executeTakeFirst()
}

/** An old WordPress id (`/?p=ID`), of whichever import knows it; the newest import wins. */
export async function findImportedById (db: DB, oldId: string, kinds: LegacyKind[]): Promise<{ kind: LegacyKind, new_id: number } | undefined> {
  const row = await db.selectFrom('imported_items').select(['kind', 'new_id'])
    .where('old_id', '=', oldId).where('kind', 'in', kinds)
    .orderBy('imported_at', 'desc').limit(1).executeTakeFirst()
  return row as { kind: LegacyKind, new_id: number } | undefined
}

/** A topic's slug, when its forum is one the reader reads (an old link tells nobody of a private topic). */
export async function findReadableTopicSlug (db: DB, topicId: number, readerId: number | null): Promise<string | undefined> {
  const row = await db.selectFrom('topics').select('slug').where('id', '=', topicId)
    .where(inReadableForum('topics.forum_id', readerId)).executeTakeFirst()
  return row?.slug
}

export async function findReadableForumSlug (db: DB, forumId: number, readerId: number | null): Promise<string | undefined> {
  const row = await db.selectFrom('forums').select('slug').where('id', '=', forumId)
    .where(inReadableForum('forums.id', readerId)).executeTakeFirst()
  return row?.slug
}
