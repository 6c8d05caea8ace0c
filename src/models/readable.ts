import { sql, type RawBuilder } from 'kysely'
import type { DB } from '../db/index.js'
import type { Forum } from '../db/schema.js'
import type { Viewer } from '../permissions.js'

/**
 * Who reads which forum, decided in one place. A public forum is for everyone. A private
 * forum is for the members of its group and for the moderators of that forum, as long as
 * they are not suspended. Everything else (lists, counts, search, feeds, profiles,
 * notifications, mails, permalinks, files) asks this, in SQL before any LIMIT.
 *
 * `reader` is a user id, or a column holding one (a notification's recipient); null is a guest.
 */
export type Reader = number | null | { column: string }

export function readableForumIds (reader: Reader, now = Date.now()): RawBuilder<number> {
  if (reader === null) return sql<number>`select id from forums where private = 0`
  const id = typeof reader === 'number' ? sql`${reader}` : sql.ref(reader.column)
  return sql<number>`select f.id from forums f where f.private = 0 or exists (
    select 1 from users u where u.id = ${id} and (u.suspended_until is null or u.suspended_until <= ${now}) and (
      u.role = 'beheerder'
      or (u.role = 'moderator' and (not exists (select 1 from forum_moderators m where m.user_id = u.id)
        or exists (select 1 from forum_moderators m where m.user_id = u.id and m.forum_id = f.id)))
      or exists (select 1 from group_members g where g.user_id = u.id and g.group_id = f.group_id and g.joined_at is not null)))`
}

/** A condition for any query's WHERE: the forum in `column` is one this reader reads. */
export function inReadableForum (column: string, reader: Reader, now = Date.now()): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} in (${readableForumIds(reader, now)})`
}

/** A condition for any query's WHERE: this one forum is read by the reader (e.g. the user in each row). */
export function readsThisForum (forumId: number, reader: Reader, now = Date.now()): RawBuilder<boolean> {
  return sql<boolean>`${forumId} in (${readableForumIds(reader, now)})`
}

/** Whether this viewer reads this one forum: at once for a public forum, else the same rule asked of the database. */
export async function readsForum (db: DB, viewer: Viewer, forum: { id: number, private: number }): Promise<boolean> {
  if (forum.private === 0) return true
  const row = await db.selectFrom('forums').select('id').where('id', '=', forum.id)
    .where(inReadableForum('forums.id', viewer?.id ?? null)).executeTakeFirst()
  return row !== undefined
}

/** The forum at `slug` if this viewer reads it; undefined (a 404 for the caller) when it does not exist or is not theirs to read. */
export async function findReadableForum (db: DB, viewer: Viewer, slug: string): Promise<Forum | undefined> {
  const forum = await db.selectFrom('forums').selectAll().where('slug', '=', slug).executeTakeFirst()
  return forum !== undefined && await readsForum(db, viewer, forum) ? forum : undefined
}
