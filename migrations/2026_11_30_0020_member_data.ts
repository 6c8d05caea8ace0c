import { type Kysely, sql } from 'kysely'
import { isPostgres } from './lib/dialect.js'

// Frozen in time: never import application code here. A member's own export (made in the
// background, offered to them alone for 7 days) and erasure: asked for (erase_after, the end
// of the grace period a login cancels) and done (erased_at: the row stays, holding nothing of
// the person, so the posts kept under "verwijderd lid" still have an author).
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('data_exports')
    .addColumn('id', 'integer', col => col.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', col => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('requested_at', 'integer', col => col.notNull())
    .addColumn('ready_at', 'integer')
    .addColumn('expires_at', 'integer')
    .addColumn('stored_name', 'text')
    .addColumn('size', 'integer')
    .execute()
  await db.schema.createIndex('data_exports_by_user').on('data_exports').columns(['user_id', 'id']).execute()
  await db.schema.alterTable('users').addColumn('erase_after', 'integer').execute()
  await db.schema.alterTable('users').addColumn('erased_at', 'integer').execute()
  // The beheerder's policy for the posts as the member was shown it when they asked.
  await db.schema.alterTable('users').addColumn('erase_posts', 'text').execute()
  await db.schema.createIndex('users_erase_after').on('users').column('erase_after').where(sql.ref('erase_after'), 'is not', null).execute()
  // A deleted or changed post leaves no trace of its old words in the search index.
  if (!isPostgres(db)) await sql`insert into posts_fts (posts_fts, rank) values ('secure-delete', 1)`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await sql`insert into posts_fts (posts_fts, rank) values ('secure-delete', 0)`.execute(db)
  await db.schema.dropIndex('users_erase_after').execute()
  await db.schema.alterTable('users').dropColumn('erase_posts').execute()
  await db.schema.alterTable('users').dropColumn('erased_at').execute()
  await db.schema.alterTable('users').dropColumn('erase_after').execute()
  await db.schema.dropTable('data_exports').execute()
}
