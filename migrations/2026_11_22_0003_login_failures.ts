import type { Kysely } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  // Failed logins per account, to stop password guessing spread over many addresses.
  await db.schema.createTable('login_failures')
    .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('at', 'integer', c => c.notNull())
    .execute()
  await db.schema.createIndex('login_failures_user_at').on('login_failures').columns(['user_id', 'at']).execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('login_failures').execute()
}
