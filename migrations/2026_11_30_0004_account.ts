import type { Kysely } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  // The member's own language (null: the site's), and how they want mail.
  await db.schema.alterTable('users').addColumn('locale', 'text').execute()
  await db.schema.alterTable('users').addColumn('email_mode', 'text', c => c.notNull().defaultTo('immediately')).execute()
  // Follow the topics one starts or replies to.
  await db.schema.alterTable('users').addColumn('auto_watch', 'integer', c => c.notNull().defaultTo(1)).execute()
  // For a change of address: the new address, confirmed by the link mailed to it.
  await db.schema.alterTable('email_tokens').addColumn('email', 'text').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('email_tokens').dropColumn('email').execute()
  for (const column of ['auto_watch', 'email_mode', 'locale']) await db.schema.alterTable('users').dropColumn(column).execute()
}
