import { type Kysely, sql } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  // Whether readers are told of moderation in this topic (closed, moved, split, merged): the
  // topic page reads the notes only then, so most pages skip that query.
  await db.schema.alterTable('topics').addColumn('has_notices', 'integer', c => c.notNull().defaultTo(0)).execute()
  await sql`update topics set has_notices = 1 where id in (
    select topic_id from moderation_log where action in ('topic.lock', 'topic.unlock', 'topic.move', 'topic.split', 'topic.merge')
    union select other_topic_id from moderation_log where action in ('topic.split', 'topic.merge'))`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('topics').dropColumn('has_notices').execute()
}
