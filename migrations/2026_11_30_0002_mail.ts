import { type Kysely, sql } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  // Every mail is written here in the transaction that caused it; a worker sends it later.
  await db.schema.createTable('outbox')
    .addColumn('id', 'integer', c => c.primaryKey().autoIncrement())
    .addColumn('to_address', 'text', c => c.notNull())
    .addColumn('subject', 'text', c => c.notNull())
    .addColumn('text_body', 'text', c => c.notNull())
    .addColumn('html_body', 'text', c => c.notNull())
    // Fixed when the mail is written, so a mail sent twice (a crash between the server's
    // acceptance and marking it sent) shows once in a mail program.
    .addColumn('message_id', 'text', c => c.notNull().unique())
    .addColumn('created_at', 'integer', c => c.notNull())
    .addColumn('send_after', 'integer', c => c.notNull())
    .addColumn('attempts', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('sent_at', 'integer')
    .execute()
  await db.schema.createIndex('outbox_due').on('outbox').columns(['send_after']).where(sql.ref('sent_at'), 'is', null).execute()

  // Single-use links sent by mail; only a hash of the token is stored.
  await db.schema.createTable('email_tokens')
    .addColumn('token_hash', 'text', c => c.primaryKey())
    .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', c => c.notNull())
    .addColumn('created_at', 'integer', c => c.notNull())
    .addColumn('expires_at', 'integer', c => c.notNull())
    .addColumn('used_at', 'integer')
    .execute()

  // Accounts made before addresses were confirmed count as confirmed.
  await db.schema.alterTable('users').addColumn('email_confirmed_at', 'integer').execute()
  await sql`update users set email_confirmed_at = created_at`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('email_confirmed_at').execute()
  await db.schema.dropTable('email_tokens').execute()
  await db.schema.dropTable('outbox').execute()
}
