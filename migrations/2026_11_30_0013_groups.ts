import { type Kysely, sql } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('groups')
    .addColumn('id', 'integer', c => c.primaryKey())
    .addColumn('slug', 'text', c => c.notNull().unique())
    .addColumn('name', 'text', c => c.notNull())
    .addColumn('description', 'text', c => c.notNull().defaultTo(''))
    .addColumn('joining', 'text', c => c.notNull().defaultTo('open').check(sql`joining in ('open', 'request', 'closed')`))
    .addColumn('created_at', 'integer', c => c.notNull())
    .execute()
  await db.schema.createTable('group_members')
    .addColumn('group_id', 'integer', c => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('manager', 'integer', c => c.notNull().defaultTo(0))
    // null: asked to join a `request` group, not yet approved.
    .addColumn('joined_at', 'integer')
    .addColumn('created_at', 'integer', c => c.notNull())
    .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'user_id'])
    .execute()
  await db.schema.createIndex('group_members_user').on('group_members').columns(['user_id', 'group_id']).execute()
  await db.schema.alterTable('forums').addColumn('group_id', 'integer', c => c.references('groups.id').onDelete('set null')).execute()
  // A private forum is for its group's members (and moderators) only.
  await db.schema.alterTable('forums').addColumn('private', 'integer', c => c.notNull().defaultTo(0)).execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('forums').dropColumn('private').execute()
  await db.schema.alterTable('forums').dropColumn('group_id').execute()
  await db.schema.dropTable('group_members').execute()
  await db.schema.dropTable('groups').execute()
}
