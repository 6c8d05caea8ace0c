import type SQLite from 'better-sqlite3'
import type { Locale } from '../config.js'

/**
 * Raise when what goes into the index changes (tokens, stemming, stopwords, meta): every
 * forum then rebuilds its index once, at its next start or `kring migrate`. A change of the
 * site's language rebuilds it too, since words are stemmed in that language.
 */
export const INDEX_VERSION = 2
const BATCH = 20_000

/** The row the triggers write (migrations 2026_11_30_0012 and 0017), for the posts not deleted with id in (?, ?]. */
const ROWS = `select p.id,
    case when p.position = 1 then kring_index_text(t.title) else '' end,
    kring_index_text(p.body_md),
    'a' || p.author_id || ' f' || t.forum_id
  from posts p join topics t on t.id = p.topic_id where p.id > ? and p.id <= ? and p.deleted_at is null`

export function searchIndexIsCurrent (sqlite: SQLite.Database, locale: Locale): boolean {
  const state = sqlite.prepare('select built from search_index_state').get() as { built: string } | undefined
  return state?.built === `${INDEX_VERSION}:${locale}`
}

/**
 * Indexes every post again, in batches of 20,000 (each its own transaction), then merges the
 * index into as few segments as possible. Cut off half-way, it starts over next time.
 */
export function buildSearchIndex (sqlite: SQLite.Database, locale: Locale, progress: (done: number, total: number) => void): void {
  const total = (sqlite.prepare('select count(*) as n from posts').get() as { n: number }).n
  const insert = sqlite.prepare(`insert into posts_fts (rowid, title, body, meta) ${ROWS}`)
  const lastOfBatch = sqlite.prepare(`select max(id) as id, count(*) as n from (select id from posts where id > ? order by id limit ${BATCH})`)
  sqlite.transaction(() => {
    sqlite.prepare("insert into posts_fts (posts_fts) values ('delete-all')").run()
    sqlite.prepare("update search_index_state set built = ''").run()
  })()
  let done = 0
  for (let after = 0; ;) {
    const batch = lastOfBatch.get(after) as { id: number | null, n: number }
    if (batch.id === null) break
    sqlite.transaction(() => insert.run(after, batch.id))()
    after = batch.id
    done += batch.n
    progress(done, total)
  }
  sqlite.prepare("insert into posts_fts (posts_fts) values ('optimize')").run()
  sqlite.prepare('update search_index_state set built = ?').run(`${INDEX_VERSION}:${locale}`)
}
