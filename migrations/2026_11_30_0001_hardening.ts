import { type Kysely, sql } from 'kysely'

// Frozen in time: never import application code here.
export async function up (db: Kysely<any>): Promise<void> {
  // Edits are spaced like posts, from the member's last edit.
  await db.schema.alterTable('users').addColumn('last_edit_at', 'integer').execute()
  // A role a moderator chose stands: automatic promotion leaves it alone.
  await db.schema.alterTable('users').addColumn('role_set_by_moderator', 'integer', c => c.notNull().defaultTo(0)).execute()
  // When a topic left a slug behind, so renames can be counted.
  await db.schema.alterTable('topic_slugs').addColumn('created_at', 'integer', c => c.notNull().defaultTo(0)).execute()
  await db.schema.createIndex('topic_slugs_topic').on('topic_slugs').columns(['topic_id', 'created_at']).execute()

  // A hidden opening post now means a hidden topic: move the flag from such posts to their topics.
  const hiddenOpeners = sql`select topic_id from posts where position = 1 and hidden = 1`
  await sql`update topics set hidden = 1, hidden_by = (select hidden_by from posts where topic_id = topics.id and position = 1),
    hidden_reason = (select hidden_reason from posts where topic_id = topics.id and position = 1)
    where id in (${hiddenOpeners})`.execute(db)
  await sql`update posts set visible_position = visible_position + 1 where visible_position is not null
    and topic_id in (select topic_id from posts where position = 1 and hidden = 1 and queued = 0)`.execute(db)
  await sql`update posts set visible_position = 1 where position = 1 and hidden = 1 and queued = 0`.execute(db)
  await sql`update posts set hidden = 0, hidden_by = null, hidden_reason = null where position = 1 and hidden = 1`.execute(db)
  await sql`update topics set
      visible_post_count = (select count(*) from posts where topic_id = topics.id and visible_position is not null),
      reply_count = (select count(*) from posts where topic_id = topics.id and visible_position is not null and position > 1)`.execute(db)
  await sql`update forums set
      topic_count = (select count(*) from topics where forum_id = forums.id and hidden = 0 and queued = 0 and visible_post_count > 0),
      post_count = (select coalesce(sum(visible_post_count), 0) from topics where forum_id = forums.id and hidden = 0 and queued = 0)`.execute(db)
  await sql`update users set post_count = (
      select count(*) from posts join topics on topics.id = posts.topic_id
      where posts.author_id = users.id and posts.visible_position is not null and topics.hidden = 0 and topics.queued = 0)`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('topic_slugs_topic').execute()
  await db.schema.alterTable('topic_slugs').dropColumn('created_at').execute()
  await db.schema.alterTable('users').dropColumn('role_set_by_moderator').execute()
  await db.schema.alterTable('users').dropColumn('last_edit_at').execute()
}
