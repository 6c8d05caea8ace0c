import type { Kysely } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  // Files attached to posts, stored under UPLOADS_DIR/files by a generated name.
  await db.schema.createTable('uploads')
    .addColumn('id', 'integer', c => c.primaryKey())
    .addColumn('post_id', 'integer', c => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('uploader_id', 'integer', c => c.notNull().references('users.id'))
    .addColumn('stored_name', 'text', c => c.notNull().unique())
    .addColumn('thumb_name', 'text')
    .addColumn('name', 'text', c => c.notNull())
    .addColumn('mime', 'text', c => c.notNull())
    .addColumn('size', 'integer', c => c.notNull())
    .addColumn('created_at', 'integer', c => c.notNull())
    .execute()
  await db.schema.createIndex('uploads_post').on('uploads').column('post_id').execute()
  await db.schema.createIndex('uploads_uploader').on('uploads').column('uploader_id').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('uploads').execute()
}
