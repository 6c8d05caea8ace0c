import type { Kysely } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  // Splits and merges involve two topics and a number of posts: both topics show a note.
  await db.schema.alterTable('moderation_log').addColumn('other_topic_id', 'integer', c => c.references('topics.id').onDelete('set null')).execute()
  await db.schema.alterTable('moderation_log').addColumn('post_count', 'integer').execute()
  await db.schema.createIndex('moderation_log_other_topic').on('moderation_log').column('other_topic_id').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('moderation_log_other_topic').execute()
  await db.schema.alterTable('moderation_log').dropColumn('post_count').execute()
  await db.schema.alterTable('moderation_log').dropColumn('other_topic_id').execute()
}
