import { type Kysely, sql } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  // The lists a beheerder keeps at /admin, from which members choose their region and sector.
  await db.schema.createTable('profile_choices')
    .addColumn('id', 'integer', c => c.primaryKey())
    .addColumn('kind', 'text', c => c.notNull().check(sql`kind in ('region', 'sector')`))
    .addColumn('name', 'text', c => c.notNull())
    .addColumn('position', 'integer', c => c.notNull().defaultTo(0))
    .addUniqueConstraint('profile_choices_kind_name', ['kind', 'name'])
    .execute()
  for (const [column, type] of [['display_name', 'text'], ['organisation', 'text'], ['job_title', 'text'], ['bio_md', 'text'], ['bio_html', 'text'], ['website', 'text'], ['expert_label', 'text']] as const) {
    await db.schema.alterTable('users').addColumn(column, type, c => c.notNull().defaultTo('')).execute()
  }
  await db.schema.alterTable('users').addColumn('region_id', 'integer', c => c.references('profile_choices.id').onDelete('set null')).execute()
  await db.schema.alterTable('users').addColumn('sector_id', 'integer', c => c.references('profile_choices.id').onDelete('set null')).execute()
  // The stored avatar's file name under UPLOADS_DIR/avatars (null: initials are shown).
  await db.schema.alterTable('users').addColumn('avatar', 'text').execute()
  await db.schema.createIndex('users_display_name').on('users').column('display_name').execute()
  await db.schema.createIndex('users_avatar').on('users').column('avatar').execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('users_avatar').execute()
  await db.schema.dropIndex('users_display_name').execute()
  for (const column of ['avatar', 'sector_id', 'region_id', 'expert_label', 'website', 'bio_html', 'bio_md', 'job_title', 'organisation', 'display_name']) {
    await db.schema.alterTable('users').dropColumn(column).execute()
  }
  await db.schema.dropTable('profile_choices').execute()
}
