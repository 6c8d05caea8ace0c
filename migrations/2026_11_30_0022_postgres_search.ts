import { type Kysely, sql } from 'kysely'
import { isPostgres } from './lib/dialect.js'

// Frozen in time: never import application code here. Full-text search on PostgreSQL (SQLite has
// FTS5, migrations 0010/0012/0017/0020). Each post's words go into post_search as a tsvector,
// kept by triggers so the index follows every write in its own transaction. The words are
// prepared as src/search/text.ts does for SQLite (at the time of writing): folded, cut at every
// non-letter, words of one letter or over 40 left out, Kring's stopwords left out, Dutch plurals
// Snowball keeps whole made singular; then each language's Snowball stemmer (without its own
// stopwords: `een` must find `één`). The index builder fills the table and sets the locale.

const STOPWORDS: Record<string, string> = {
  nl: 'de het en van in op te dat die is voor met aan er zijn om als bij of ook maar dan naar uit nog wel door ' +
    'tot je ze we wij hij zij ik u dit deze dus zo was werd wordt worden kan hebben heeft heb ben al',
  en: 'the and of to in on at for with is are was were be been it its this that these as by from but or so we you he she they',
  sv: 'och att det som pa ar av for med till den har de om var jag men sig sa vi han hon kan detta eller'
}

const LANGUAGES: Record<string, string> = { nl: 'dutch', en: 'english', sv: 'swedish' }

/** Every token type a word can be: mapping `word` alone would leave ASCII words to the copied defaults. */
const WORD_TOKENS = 'asciiword, asciihword, hword_asciipart, word, hword, hword_part'

export async function up (db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return
  await sql`create extension if not exists unaccent`.execute(db)
  for (const [locale, language] of Object.entries(LANGUAGES)) {
    await sql.raw(`create text search dictionary kring_${locale}_stem (template = snowball, language = ${language})`).execute(db)
    await sql.raw(`create text search configuration kring_${locale} (copy = simple)`).execute(db)
    await sql.raw(`alter text search configuration kring_${locale} alter mapping for ${WORD_TOKENS} with unaccent, kring_${locale}_stem`).execute(db)
  }
  await sql`alter table search_index_state add column locale text not null default 'nl' check (locale in ('nl', 'en', 'sv'))`.execute(db)

  const stopwords = (locale: string): string => `'\\m(${STOPWORDS[locale].split(' ').join('|')})\\M'`
  // Snowball's Dutch keeps -s plurals after e and -ën whole; "proces" (-ces, -ses) is singular.
  await sql.raw(`create function kring_search_words(locale text, t text) returns text language sql stable parallel safe as $$
    select case when locale = 'nl'
      then regexp_replace(regexp_replace(regexp_replace(w, '(\\w{2,}ee)en\\M', '\\1', 'g'), '(\\w{2,}[^aeiouycs\\W])es\\M', '\\1e', 'g'), '(\\w{3,}ie)s\\M', '\\1', 'g')
      else w end
    from (select regexp_replace(
      regexp_replace(regexp_replace(lower(unaccent('unaccent', coalesce(t, ''))), '[^[:alnum:]]+', ' ', 'g'), '\\m(\\w|\\w{41,})\\M', ' ', 'g'),
      case locale when 'nl' then ${stopwords('nl')} when 'en' then ${stopwords('en')} else ${stopwords('sv')} end, ' ', 'g') as w) as folded $$`).execute(db)
  // The title weighs A, the body D; the language is the one the index was built in.
  await sql`create function kring_search_document(title text, body text) returns tsvector language sql stable parallel safe as $$
    select setweight(to_tsvector(c.config, kring_search_words(c.locale, title)), 'A') || to_tsvector(c.config, kring_search_words(c.locale, body))
    from (select locale, ('kring_' || locale)::regconfig as config from search_index_state) as c $$`.execute(db)
  // Words as typed in a search (letters and digits only), as one phrase of stems.
  await sql`create function kring_search_phrase(words text) returns tsquery language sql stable parallel safe as $$
    select phraseto_tsquery(('kring_' || locale)::regconfig, kring_search_words(locale, words)) from search_index_state $$`.execute(db)

  await sql`create table post_search (post_id bigint primary key references posts (id) on delete cascade, document tsvector not null)`.execute(db)
  await sql`create index post_search_document on post_search using gin (document)`.execute(db)
  // A deleted post leaves the index; a post's words follow its edits, and the first post's its topic's title.
  await sql`create function kring_index_post() returns trigger language plpgsql as $$ begin
    if new.deleted_at is null then
      insert into post_search (post_id, document)
        select new.id, kring_search_document(case when new.position = 1 then (select title from topics where id = new.topic_id) end, new.body_md)
        on conflict (post_id) do update set document = excluded.document;
    else
      delete from post_search where post_id = new.id;
    end if;
    return null; end $$`.execute(db)
  await sql`create trigger posts_search_insert after insert on posts for each row execute function kring_index_post()`.execute(db)
  await sql`create trigger posts_search_update after update of body_md, position, topic_id, deleted_at on posts for each row
    when (old.body_md is distinct from new.body_md or old.position is distinct from new.position
      or old.topic_id is distinct from new.topic_id or old.deleted_at is distinct from new.deleted_at)
    execute function kring_index_post()`.execute(db)
  await sql`create function kring_index_title() returns trigger language plpgsql as $$ begin
    insert into post_search (post_id, document)
      select p.id, kring_search_document(new.title, p.body_md) from posts p where p.topic_id = new.id and p.position = 1 and p.deleted_at is null
      on conflict (post_id) do update set document = excluded.document;
    return null; end $$`.execute(db)
  await sql`create trigger topics_search_title after update of title on topics for each row
    when (old.title is distinct from new.title) execute function kring_index_title()`.execute(db)
  // Built by the application at its next start (src/search/postgres-index.ts).
  await sql`update search_index_state set built = ''`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return
  await sql`drop trigger topics_search_title on topics`.execute(db)
  await sql`drop trigger posts_search_update on posts`.execute(db)
  await sql`drop trigger posts_search_insert on posts`.execute(db)
  await sql`drop function kring_index_title(), kring_index_post()`.execute(db)
  await sql`drop table post_search`.execute(db)
  await sql`drop function kring_search_phrase(text), kring_search_document(text, text), kring_search_words(text, text)`.execute(db)
  await sql`alter table search_index_state drop column locale`.execute(db)
  for (const locale of Object.keys(LANGUAGES)) {
    await sql.raw(`drop text search configuration kring_${locale}`).execute(db)
    await sql.raw(`drop text search dictionary kring_${locale}_stem`).execute(db)
  }
}
