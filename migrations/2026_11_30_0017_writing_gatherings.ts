import { type Kysely, sql } from 'kysely'
import { isPostgres } from './lib/dialect.js'

// Frozen in time: never import application code here. Deleted posts, "Nuttig", drafts, events
// with answers, proposals with votes; the forum kinds take the SPEC's names.
const row = (p: string): ReturnType<typeof sql.raw> => sql.raw(`${p}.id,
    case when ${p}.position = 1 then kring_index_text((select title from topics where id = ${p}.topic_id)) else '' end,
    kring_index_text(${p}.body_md),
    'a' || ${p}.author_id || ' f' || (select forum_id from topics where id = ${p}.topic_id)`)

/** The search triggers of 2026_11_30_0012, which index every post, or (from here on) only those not deleted. */
async function createSearchTriggers (db: Kysely<any>, skipDeleted: boolean): Promise<void> {
  const live = (p: string): ReturnType<typeof sql.raw> => sql.raw(skipDeleted ? `and ${p}.deleted_at is null` : '')
  for (const trigger of ['posts_fts_update', 'posts_fts_title', 'posts_fts_forum']) await sql.raw(`drop trigger ${trigger}`).execute(db)
  await sql`create trigger posts_fts_update after update of body_md, position, topic_id, author_id${sql.raw(skipDeleted ? ', deleted_at' : '')} on posts begin
    delete from posts_fts where rowid = old.id;
    insert into posts_fts (rowid, title, body, meta) select ${row('new')} where 1 ${live('new')}; end`.execute(db)
  await sql`create trigger posts_fts_title after update of title on topics begin
    delete from posts_fts where rowid in (select id from posts where topic_id = new.id and position = 1);
    insert into posts_fts (rowid, title, body, meta) select ${row('posts')} from posts where topic_id = new.id and position = 1 ${live('posts')}; end`.execute(db)
  await sql`create trigger posts_fts_forum after update of forum_id on topics begin
    delete from posts_fts where rowid in (select id from posts where topic_id = new.id);
    insert into posts_fts (rowid, title, body, meta) select ${row('posts')} from posts where topic_id = new.id ${live('posts')}; end`.execute(db)
}

export async function up (db: Kysely<any>): Promise<void> {
  await sql`update forums set kind = 'normal' where kind = 'discussion'`.execute(db)

  // A deleted post keeps its place and number; its text lives on only in a revision.
  await db.schema.alterTable('posts').addColumn('deleted_at', 'integer').execute()
  await db.schema.alterTable('posts').addColumn('deleted_by', 'integer', c => c.references('users.id')).execute()
  await db.schema.alterTable('posts').addColumn('like_count', 'integer', c => c.notNull().defaultTo(0)).execute()
  await db.schema.createTable('post_likes')
    .addColumn('post_id', 'integer', c => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'integer', c => c.notNull())
    .addPrimaryKeyConstraint('post_likes_pk', ['post_id', 'user_id']).execute()

  // One draft per member and form: 'reply:TOPIC', 'topic:FORUM', 'edit:POST'.
  await db.schema.createTable('drafts')
    .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('form', 'text', c => c.notNull())
    .addColumn('title', 'text', c => c.notNull().defaultTo(''))
    .addColumn('body', 'text', c => c.notNull())
    .addColumn('updated_at', 'integer', c => c.notNull())
    .addPrimaryKeyConstraint('drafts_pk', ['user_id', 'form']).execute()

  // An event belongs to its topic. Start and end as typed (site-zone wall clock) and as instants.
  await db.schema.createTable('events')
    .addColumn('topic_id', 'integer', c => c.primaryKey().references('topics.id').onDelete('cascade'))
    .addColumn('starts_at', 'integer', c => c.notNull())
    .addColumn('ends_at', 'integer', c => c.notNull())
    .addColumn('local_start', 'text', c => c.notNull())
    .addColumn('local_end', 'text', c => c.notNull())
    .addColumn('time_zone', 'text', c => c.notNull())
    .addColumn('place', 'text', c => c.notNull().defaultTo(''))
    .addColumn('capacity', 'integer')
    .addColumn('repeat', 'text')
    .addColumn('going_count', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('waiting_count', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'integer', c => c.notNull()).execute()
  await db.schema.createIndex('events_starts').on('events').column('starts_at').execute()
  // So a topic page asks for an event only when its topic has one.
  await db.schema.alterTable('topics').addColumn('has_event', 'integer', c => c.notNull().defaultTo(0)).execute()
  // status: going, waiting (wanted to go, over capacity: in line by answered_at), maybe, not_going.
  await db.schema.createTable('event_answers')
    .addColumn('topic_id', 'integer', c => c.notNull().references('events.topic_id').onDelete('cascade'))
    .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('status', 'text', c => c.notNull())
    .addColumn('answered_at', 'integer', c => c.notNull())
    // The start of the occurrence this member was last reminded of.
    .addColumn('reminded_for', 'integer')
    .addPrimaryKeyConstraint('event_answers_pk', ['topic_id', 'user_id']).execute()
  await db.schema.createIndex('event_answers_line').on('event_answers').columns(['topic_id', 'status', 'answered_at']).execute()

  // Proposals: a topic in a proposals forum, its votes counted on the row.
  await db.schema.alterTable('topics').addColumn('vote_count', 'integer', c => c.notNull().defaultTo(0)).execute()
  await db.schema.alterTable('topics').addColumn('proposal_status', 'text', c => c.notNull().defaultTo('open')).execute()
  await db.schema.alterTable('topics').addColumn('proposal_event_id', 'integer', c => c.references('topics.id').onDelete('set null')).execute()
  await db.schema.createTable('topic_votes')
    .addColumn('topic_id', 'integer', c => c.notNull().references('topics.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', c => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'integer', c => c.notNull())
    .addPrimaryKeyConstraint('topic_votes_pk', ['topic_id', 'user_id']).execute()

  // A deleted post leaves the search index, and no later change (a title, a move) puts it back.
  if (!isPostgres(db)) await createSearchTriggers(db, true)
}

export async function down (db: Kysely<any>): Promise<void> {
  await createSearchTriggers(db, false)
  for (const table of ['topic_votes', 'event_answers', 'events', 'drafts', 'post_likes']) await db.schema.dropTable(table).execute()
  for (const column of ['has_event', 'proposal_event_id', 'proposal_status', 'vote_count']) await db.schema.alterTable('topics').dropColumn(column).execute()
  for (const column of ['like_count', 'deleted_by', 'deleted_at']) await db.schema.alterTable('posts').dropColumn(column).execute()
  await sql`update forums set kind = 'discussion' where kind = 'normal'`.execute(db)
}
