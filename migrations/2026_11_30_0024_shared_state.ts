import type { Kysely } from 'kysely'

// Frozen in time: never import application code here. What several Kring processes on one
// database share: the counters of the rate limits (per key, in a window), and each mail's
// claim by the process sending it (a lease: after a crash the mail goes again once it ends).
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('rate_limits')
    .addColumn('key', 'text', c => c.primaryKey())
    .addColumn('hits', 'integer', c => c.notNull())
    .addColumn('window_started_at', 'integer', c => c.notNull())
    .execute()
  await db.schema.alterTable('outbox').addColumn('claimed_until', 'integer').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').dropColumn('claimed_until').execute()
  await db.schema.dropTable('rate_limits').execute()
}
