import { type Kysely, sql } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  // What a member follows: a topic or a forum, at a level.
  await db.schema.createTable('watches')
    .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('topic_id', 'integer', c => c.references('topics.id').onDelete('cascade'))
    .addColumn('forum_id', 'integer', c => c.references('forums.id').onDelete('cascade'))
    // watching, normal, muted; for a forum also new_topics
    .addColumn('level', 'text', c => c.notNull())
    .addCheckConstraint('watches_one_thing', sql`(topic_id is null) != (forum_id is null)`)
    .execute()
  await db.schema.createIndex('watches_user_topic').unique().on('watches').columns(['user_id', 'topic_id']).where(sql.ref('topic_id'), 'is not', null).execute()
  await db.schema.createIndex('watches_user_forum').unique().on('watches').columns(['user_id', 'forum_id']).where(sql.ref('forum_id'), 'is not', null).execute()
  await db.schema.createIndex('watches_topic').on('watches').columns(['topic_id', 'level']).execute()
  await db.schema.createIndex('watches_forum').on('watches').columns(['forum_id', 'level']).execute()

  await db.schema.createTable('notifications')
    .addColumn('id', 'integer', c => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    // mentioned, quoted, replied, watching (a followed topic), new_topic and forum_post (a followed forum), moderated
    .addColumn('kind', 'text', c => c.notNull())
    .addColumn('post_id', 'integer', c => c.references('posts.id').onDelete('cascade'))
    .addColumn('topic_id', 'integer', c => c.references('topics.id').onDelete('cascade'))
    .addColumn('actor_id', 'integer', c => c.references('users.id').onDelete('set null'))
    // For moderation: which act.
    .addColumn('detail', 'text')
    .addColumn('created_at', 'integer', c => c.notNull())
    .addColumn('read_at', 'integer')
    // For members who get mail at once: when it may go out, and when it did (or was dropped).
    .addColumn('mail_after', 'integer')
    .addColumn('mailed_at', 'integer')
    .execute()
  // One notification per member per post, whatever the reasons.
  await db.schema.createIndex('notifications_once_per_post').unique().on('notifications').columns(['user_id', 'post_id'])
    .where(sql.ref('kind'), '!=', 'moderated').execute()
  await db.schema.createIndex('notifications_user').on('notifications').columns(['user_id', 'id']).execute()
  await db.schema.createIndex('notifications_unread').on('notifications').columns(['user_id']).where(sql.ref('read_at'), 'is', null).execute()
  await db.schema.createIndex('notifications_mail_due').on('notifications').columns(['mail_after']).where(sql.ref('mailed_at'), 'is', null).execute()

  // New posts wait here to be fanned out to followers by a background worker; 0 until done.
  await db.schema.alterTable('posts').addColumn('fanned_out', 'integer', c => c.notNull().defaultTo(1)).execute()
  await db.schema.createIndex('posts_fan_out').on('posts').column('id').where(sql.ref('fanned_out'), '=', 0).execute()

  // Extra mail headers (threading, List-*), as JSON.
  await db.schema.alterTable('outbox').addColumn('headers', 'text').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').dropColumn('headers').execute()
  await db.schema.dropIndex('posts_fan_out').execute()
  await db.schema.alterTable('posts').dropColumn('fanned_out').execute()
  await db.schema.dropTable('notifications').execute()
  await db.schema.dropTable('watches').execute()
}
