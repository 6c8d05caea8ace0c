import { type Kysely, sql } from 'kysely'
import { isPostgres } from './lib/dialect.js'

// Frozen in time: never import application code here. The function kring_index_text (folding
// and stemming) is registered on every connection by the database module; triggers call it.
export async function up (db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return
  // Contentless: the index holds no second copy of the text. Prefix indexes keep "woo*" quick.
  await sql`create virtual table posts_fts using fts5(title, body, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 2', prefix='2 3')`.execute(db)
  const row = (p: string) => sql.raw(`${p}.id,
    case when ${p}.position = 1 then kring_index_text((select title from topics where id = ${p}.topic_id)) else '' end,
    kring_index_text(${p}.body_md)`)
  await sql`create trigger posts_fts_insert after insert on posts begin
    insert into posts_fts (rowid, title, body) values (${row('new')}); end`.execute(db)
  await sql`create trigger posts_fts_update after update of body_md, position, topic_id on posts begin
    delete from posts_fts where rowid = old.id;
    insert into posts_fts (rowid, title, body) values (${row('new')}); end`.execute(db)
  await sql`create trigger posts_fts_delete after delete on posts begin
    delete from posts_fts where rowid = old.id; end`.execute(db)
  await sql`create trigger posts_fts_title after update of title on topics begin
    delete from posts_fts where rowid in (select id from posts where topic_id = new.id and position = 1);
    insert into posts_fts (rowid, title, body) select ${row('posts')} from posts where topic_id = new.id and position = 1; end`.execute(db)
  // The posts that exist already.
  await sql`insert into posts_fts (rowid, title, body) select ${row('p')} from posts p`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const trigger of ['posts_fts_insert', 'posts_fts_update', 'posts_fts_delete', 'posts_fts_title']) await sql.raw(`drop trigger ${trigger}`).execute(db)
  await sql`drop table posts_fts`.execute(db)
}
