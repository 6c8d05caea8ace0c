import type { Kysely } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  // 'discussion' (the default) or 'questions': there a reply can be marked the answer.
  await db.schema.alterTable('forums').addColumn('kind', 'text', c => c.notNull().defaultTo('discussion')).execute()
  await db.schema.alterTable('topics').addColumn('answer_post_id', 'integer', c => c.references('posts.id').onDelete('set null')).execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('topics').dropColumn('answer_post_id').execute()
  await db.schema.alterTable('forums').dropColumn('kind').execute()
}
