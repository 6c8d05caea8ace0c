import type { Kysely } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  // When the member's last daily or weekly digest went out: one per period, restarts or not.
  await db.schema.alterTable('users').addColumn('last_digest_at', 'integer').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('last_digest_at').execute()
}
