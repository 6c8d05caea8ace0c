import { type Kysely, sql } from 'kysely'
import { isPostgres } from './lib/dialect.js'

// Frozen in time: never import application code here. kring_index_text is registered on every
// connection by the database module. The index is filled by the application's index builder
// (src/search/index-builder.ts), which `kring migrate` runs with a progress bar.
export async function up (db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) for (const trigger of ['posts_fts_insert', 'posts_fts_update', 'posts_fts_delete', 'posts_fts_title']) await sql.raw(`drop trigger if exists ${trigger}`).execute(db)
  if (!isPostgres(db)) await sql`drop table if exists posts_fts`.execute(db)
  // No prefix indexes (they tripled the index) and a third column, meta, holding "a<author id>
  // f<forum id>", so the author and forum filters are index lookups, not scans.
  await sql`create table search_index_state (id integer primary key check (id = 1), built text not null)`.execute(db)
  await sql`insert into search_index_state (id, built) values (1, '')`.execute(db)
  if (isPostgres(db)) return
  await sql`create virtual table posts_fts using fts5(title, body, meta, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 2')`.execute(db)
  const row = (p: string): ReturnType<typeof sql.raw> => sql.raw(`${p}.id,
    case when ${p}.position = 1 then kring_index_text((select title from topics where id = ${p}.topic_id)) else '' end,
    kring_index_text(${p}.body_md),
    'a' || ${p}.author_id || ' f' || (select forum_id from topics where id = ${p}.topic_id)`)
  await sql`create trigger posts_fts_insert after insert on posts begin
    insert into posts_fts (rowid, title, body, meta) values (${row('new')}); end`.execute(db)
  await sql`create trigger posts_fts_update after update of body_md, position, topic_id, author_id on posts begin
    delete from posts_fts where rowid = old.id;
    insert into posts_fts (rowid, title, body, meta) values (${row('new')}); end`.execute(db)
  await sql`create trigger posts_fts_delete after delete on posts begin
    delete from posts_fts where rowid = old.id; end`.execute(db)
  await sql`create trigger posts_fts_title after update of title on topics begin
    delete from posts_fts where rowid in (select id from posts where topic_id = new.id and position = 1);
    insert into posts_fts (rowid, title, body, meta) select ${row('posts')} from posts where topic_id = new.id and position = 1; end`.execute(db)
  await sql`create trigger posts_fts_forum after update of forum_id on topics begin
    delete from posts_fts where rowid in (select id from posts where topic_id = new.id);
    insert into posts_fts (rowid, title, body, meta) select ${row('posts')} from posts where topic_id = new.id; end`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const trigger of ['posts_fts_insert', 'posts_fts_update', 'posts_fts_delete', 'posts_fts_title', 'posts_fts_forum']) await sql.raw(`drop trigger ${trigger}`).execute(db)
  await sql`drop table posts_fts`.execute(db)
  await sql`drop table search_index_state`.execute(db)
}
