import { sql } from 'kysely'
import type { DB } from '../db/index.js'
import type { Locale } from '../config.js'
import { INDEX_VERSION } from './index-builder.js'

/**
 * PostgreSQL's search index, post_search (migration 2026_11_30_0022): its triggers keep it as
 * posts and titles change; this fills it when it is not current (a new index version, or the
 * site's language changed, since words are stemmed in that language).
 */
const BATCH = 20_000
/** Any number of Kring's own, so two processes starting at once build it once. */
const BUILD_LOCK = 7_310_413

const built = (locale: Locale): string => `${INDEX_VERSION}:${locale}`

export async function postgresSearchIndexIsCurrent (db: DB, locale: Locale): Promise<boolean> {
  const state = await sql<{ built: string }>`select built from search_index_state`.execute(db)
  return state.rows[0]?.built === built(locale)
}

/**
 * Indexes every post again in one transaction, in batches (for the progress), so a reader
 * sees the old index until the new one is complete. A second process waits for the lock,
 * then finds the index current and leaves it.
 */
export async function buildPostgresSearchIndex (db: DB, locale: Locale, progress: (done: number, total: number) => void): Promise<void> {
  await db.transaction().execute(async trx => {
    await sql`select pg_advisory_xact_lock(${BUILD_LOCK})`.execute(trx)
    if (await postgresSearchIndexIsCurrent(trx, locale)) return
    // The triggers read the language from here, for the rows written while this runs too.
    await sql`update search_index_state set locale = ${locale}, built = ''`.execute(trx)
    await sql`delete from post_search`.execute(trx)
    const total = Number((await sql<{ n: number }>`select count(*) as n from posts`.execute(trx)).rows[0].n)
    let done = 0
    for (let after = 0; ;) {
      const batch = await sql<{ id: number | null, n: number }>`select max(id) as id, count(*) as n from (select id from posts where id > ${after} order by id limit ${BATCH}) as b`.execute(trx)
      const last = batch.rows[0].id
      if (last === null) break
      // A post written meanwhile was indexed by its trigger: this writes the same document.
      await sql`insert into post_search (post_id, document)
        select p.id, kring_search_document(case when p.position = 1 then t.title end, p.body_md)
        from posts p join topics t on t.id = p.topic_id where p.id > ${after} and p.id <= ${last} and p.deleted_at is null
        on conflict (post_id) do update set document = excluded.document`.execute(trx)
      after = last
      done += Number(batch.rows[0].n)
      progress(done, total)
    }
    await sql`update search_index_state set built = ${built(locale)}`.execute(trx)
  })
  // Statistics of the new documents: without them the planner guesses how many titles hold a
  // word, and for `in:titel` chose to walk every post newest first (350 ms at a million, not 22).
  await sql`analyze post_search`.execute(db)
}
