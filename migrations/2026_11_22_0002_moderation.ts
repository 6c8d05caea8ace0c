import { type Kysely, sql } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('topics').addColumn('announced', 'integer', c => c.notNull().defaultTo(0)).execute()
  // A topic whose opening post waits for approval is out of sight, replies and all.
  await db.schema.alterTable('topics').addColumn('queued', 'integer', c => c.notNull().defaultTo(0)).execute()
  await db.schema.alterTable('topics').addColumn('visible_post_count', 'integer', c => c.notNull().defaultTo(0)).execute()
  await db.schema.alterTable('topics').addColumn('hidden_by', 'integer', c => c.references('users.id').onDelete('set null')).execute()
  await db.schema.alterTable('topics').addColumn('hidden_reason', 'text').execute()
  await sql`update topics set visible_post_count = post_count`.execute(db)

  // visible_position numbers the posts members may see (not hidden, not queued); null for the others.
  await db.schema.alterTable('posts').addColumn('visible_position', 'integer').execute()
  await db.schema.alterTable('posts').addColumn('queued', 'integer', c => c.notNull().defaultTo(0)).execute()
  await db.schema.alterTable('posts').addColumn('hidden_by', 'integer', c => c.references('users.id').onDelete('set null')).execute()
  await db.schema.alterTable('posts').addColumn('hidden_reason', 'text').execute()
  await sql`update posts set visible_position = position`.execute(db)
  await db.schema.createIndex('posts_topic_visible_position').on('posts').columns(['topic_id', 'visible_position']).execute()
  await db.schema.createIndex('posts_queued').on('posts').column('queued').where(sql.ref('queued'), '=', 1).execute()

  await db.schema.alterTable('users').addColumn('last_post_at', 'integer').execute()

  await db.schema.createTable('post_revisions')
    .addColumn('id', 'integer', c => c.primaryKey().autoIncrement())
    .addColumn('post_id', 'integer', c => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('editor_id', 'integer', c => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('created_at', 'integer', c => c.notNull())
    .addColumn('reason', 'text')
    // What the post said before this edit.
    .addColumn('title', 'text')
    .addColumn('body_md', 'text', c => c.notNull())
    .execute()
  await db.schema.createIndex('post_revisions_post').on('post_revisions').columns(['post_id', 'created_at']).execute()

  await db.schema.createTable('reports')
    .addColumn('id', 'integer', c => c.primaryKey().autoIncrement())
    .addColumn('post_id', 'integer', c => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('reporter_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('reason', 'text', c => c.notNull())
    .addColumn('created_at', 'integer', c => c.notNull())
    .addColumn('resolved_at', 'integer')
    .addColumn('resolved_by', 'integer', c => c.references('users.id').onDelete('set null'))
    // 'upheld' (the post broke the rules) or 'dismissed'
    .addColumn('resolution', 'text', c => c.check(sql`resolution in ('upheld', 'dismissed')`))
    .addUniqueConstraint('reports_once_per_member', ['post_id', 'reporter_id'])
    .execute()
  await db.schema.createIndex('reports_open').on('reports').column('resolved_at').execute()

  await db.schema.createTable('moderation_log')
    .addColumn('id', 'integer', c => c.primaryKey().autoIncrement())
    .addColumn('moderator_id', 'integer', c => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('action', 'text', c => c.notNull())
    .addColumn('topic_id', 'integer', c => c.references('topics.id').onDelete('set null'))
    .addColumn('post_id', 'integer', c => c.references('posts.id').onDelete('set null'))
    .addColumn('user_id', 'integer', c => c.references('users.id').onDelete('set null'))
    .addColumn('from_value', 'text')
    .addColumn('to_value', 'text')
    .addColumn('reason', 'text')
    .addColumn('created_at', 'integer', c => c.notNull())
    .execute()
  await db.schema.createIndex('moderation_log_topic').on('moderation_log').columns(['topic_id', 'created_at']).execute()
  await db.schema.createIndex('moderation_log_moderator').on('moderation_log').columns(['moderator_id', 'created_at']).execute()

  // A moderator with rows here moderates only these forums; without rows, every forum.
  await db.schema.createTable('forum_moderators')
    .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('forum_id', 'integer', c => c.notNull().references('forums.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('forum_moderators_pk', ['user_id', 'forum_id'])
    .execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const table of ['forum_moderators', 'moderation_log', 'reports', 'post_revisions']) await db.schema.dropTable(table).execute()
  await db.schema.dropIndex('posts_queued').execute()
  await db.schema.dropIndex('posts_topic_visible_position').execute()
  for (const column of ['hidden_reason', 'hidden_by', 'queued', 'visible_position']) await db.schema.alterTable('posts').dropColumn(column).execute()
  for (const column of ['hidden_reason', 'hidden_by', 'visible_post_count', 'queued', 'announced']) await db.schema.alterTable('topics').dropColumn(column).execute()
  await db.schema.alterTable('users').dropColumn('last_post_at').execute()
}
