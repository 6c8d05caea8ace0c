import { type ColumnDefinitionBuilder, type Kysely, sql } from 'kysely'
import { isPostgres } from './lib/dialect.js'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db)
  // PostgreSQL cannot refer to a table not made yet: last_post_id's keys are added once posts exists.
  const lastPost = (c: ColumnDefinitionBuilder): ColumnDefinitionBuilder => pg ? c : c.references('posts.id').onDelete('set null')
  await db.schema.createTable('users')
    .addColumn('id', 'integer', c => c.primaryKey().autoIncrement())
    .addColumn('username', 'text', c => c.notNull())
    .addColumn('username_key', 'text', c => c.notNull().unique())
    .addColumn('email', 'text', c => c.notNull())
    .addColumn('email_key', 'text', c => c.notNull().unique())
    .addColumn('password_hash', 'text', c => c.notNull())
    .addColumn('role', 'text', c => c.notNull().defaultTo('lid')
      .check(sql`role in ('lid', 'bijdrager', 'moderator', 'beheerder')`))
    .addColumn('created_at', 'integer', c => c.notNull())
    .addColumn('post_count', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('suspended_until', 'integer')
    .addColumn('suspended_reason', 'text')
    .execute()

  await db.schema.createTable('sessions')
    .addColumn('id_hash', 'text', c => c.primaryKey())
    .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'integer', c => c.notNull())
    .addColumn('expires_at', 'integer', c => c.notNull())
    .execute()
  await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute()
  await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute()

  await db.schema.createTable('forums')
    .addColumn('id', 'integer', c => c.primaryKey().autoIncrement())
    .addColumn('parent_id', 'integer', c => c.references('forums.id').onDelete('restrict'))
    .addColumn('slug', 'text', c => c.notNull().unique())
    .addColumn('name', 'text', c => c.notNull())
    .addColumn('description', 'text', c => c.notNull().defaultTo(''))
    .addColumn('position', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('topic_count', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('post_count', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('last_post_id', 'integer', lastPost)
    .execute()
  await db.schema.createIndex('forums_parent_position').on('forums').columns(['parent_id', 'position']).execute()

  await db.schema.createTable('topics')
    .addColumn('id', 'integer', c => c.primaryKey().autoIncrement())
    .addColumn('forum_id', 'integer', c => c.notNull().references('forums.id').onDelete('restrict'))
    .addColumn('slug', 'text', c => c.notNull().unique())
    .addColumn('title', 'text', c => c.notNull())
    .addColumn('author_id', 'integer', c => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('created_at', 'integer', c => c.notNull())
    .addColumn('locked', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('pinned', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('hidden', 'integer', c => c.notNull().defaultTo(0))
    // post_count includes the first post and equals the highest position in the topic.
    .addColumn('post_count', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('reply_count', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('last_post_id', 'integer', lastPost)
    .addColumn('last_post_at', 'integer', c => c.notNull())
    .execute()
  await db.schema.createIndex('topics_forum_listing').on('topics')
    .columns(['forum_id', 'pinned desc', 'last_post_at desc']).execute()
  await db.schema.createIndex('topics_author').on('topics').column('author_id').execute()

  await db.schema.createTable('posts')
    .addColumn('id', 'integer', c => c.primaryKey().autoIncrement())
    .addColumn('topic_id', 'integer', c => c.notNull().references('topics.id').onDelete('cascade'))
    .addColumn('author_id', 'integer', c => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('position', 'integer', c => c.notNull())
    .addColumn('body_md', 'text', c => c.notNull())
    .addColumn('body_html', 'text', c => c.notNull())
    .addColumn('created_at', 'integer', c => c.notNull())
    .addColumn('edited_at', 'integer')
    .addColumn('hidden', 'integer', c => c.notNull().defaultTo(0))
    .addUniqueConstraint('posts_topic_position', ['topic_id', 'position'])
    .execute()
  await db.schema.createIndex('posts_author_created').on('posts').columns(['author_id', 'created_at']).execute()

  if (pg) {
    for (const table of ['forums', 'topics']) await db.schema.alterTable(table).addForeignKeyConstraint(`${table}_last_post_id_fk`, ['last_post_id'], 'posts', ['id'], c => c.onDelete('set null')).execute()
  }
  await db.schema.createTable('topic_slugs')
    .addColumn('slug', 'text', c => c.primaryKey())
    .addColumn('topic_id', 'integer', c => c.notNull().references('topics.id').onDelete('cascade'))
    .execute()

  await db.schema.createTable('settings')
    .addColumn('key', 'text', c => c.primaryKey())
    .addColumn('value', 'text', c => c.notNull())
    .execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const table of ['settings', 'topic_slugs', 'posts', 'topics', 'forums', 'sessions', 'users']) {
    await db.schema.dropTable(table).execute()
  }
}
