import type { Kysely } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  // Per member and topic, the highest post position they have seen.
  await db.schema.createTable('topic_reads')
    .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('topic_id', 'integer', c => c.notNull().references('topics.id').onDelete('cascade'))
    .addColumn('last_position', 'integer', c => c.notNull())
    .addPrimaryKeyConstraint('topic_reads_pk', ['user_id', 'topic_id'])
    .execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('topic_reads').execute()
}
