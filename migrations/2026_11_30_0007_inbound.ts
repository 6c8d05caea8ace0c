import type { Kysely } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  // Mail taken in by Message-ID, so a mail delivered twice becomes one reply.
  await db.schema.createTable('inbound_mails')
    .addColumn('message_id', 'text', c => c.primaryKey())
    .addColumn('received_at', 'integer', c => c.notNull())
    .addColumn('outcome', 'text', c => c.notNull())
    .execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('inbound_mails').execute()
}
