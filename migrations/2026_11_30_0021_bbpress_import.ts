import { type Kysely, sql } from 'kysely'

// Frozen in time: never import application code here. What `kring import-bbpress` brought in: each
// old WordPress item (a forum, topic, reply, or an author by login) and what it became, so a second
// run adds only what is new; and the old bbPress paths, which answer with a redirect.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('imported_items')
    // The old site (its base URL), so two forums' ids never meet.
    .addColumn('source', 'text', c => c.notNull())
    .addColumn('kind', 'text', c => c.notNull().check(sql`kind in ('user', 'forum', 'topic', 'post')`))
    // A WordPress post id, or a hash of an author's login (no name is kept).
    .addColumn('old_id', 'text', c => c.notNull())
    .addColumn('new_id', 'integer', c => c.notNull())
    .addColumn('imported_at', 'integer', c => c.notNull())
    .addPrimaryKeyConstraint('imported_items_pk', ['source', 'kind', 'old_id'])
    .execute()
  // `/?p=ID` names no kind: found by id alone.
  await db.schema.createIndex('imported_items_old_id').on('imported_items').columns(['old_id', 'kind']).execute()
  await db.schema.createTable('legacy_paths')
    // Decoded, lower-cased, without a trailing slash: /forums/topic/de-hr-afdeling
    .addColumn('path', 'text', c => c.primaryKey())
    .addColumn('kind', 'text', c => c.notNull().check(sql`kind in ('forum', 'topic', 'post')`))
    .addColumn('new_id', 'integer', c => c.notNull())
    .execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('legacy_paths').execute()
  await db.schema.dropTable('imported_items').execute()
}
