import { type Kysely, sql } from 'kysely'

// Frozen in time: never import application code here. Without SMTP_URL, each notifier round marks the new mails as kept. Those are found through
// this index of mails neither sent nor marked, not by reading every mail ever kept.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('outbox_unmarked').on('outbox').column('id')
    .where(sql.ref('sent_at'), 'is', null).where(sql.ref('last_error'), 'is', null).execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('outbox_unmarked').execute()
}
