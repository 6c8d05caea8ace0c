import type { Kysely } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  // A member who mutes another hears nothing of what that member writes.
  await db.schema.createTable('user_mutes')
    .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('muted_user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_mutes_pk', ['user_id', 'muted_user_id'])
    .execute()
  // Hard bounces of the member's address since it last changed; mail stops after a few.
  await db.schema.alterTable('users').addColumn('hard_bounces', 'integer', c => c.notNull().defaultTo(0)).execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('hard_bounces').execute()
  await db.schema.dropTable('user_mutes').execute()
}
