import { sql, type RawBuilder } from 'kysely'
import type { ParsedQuery, SearchTerm } from './query.js'

/**
 * A parsed search as a PostgreSQL tsquery over post_search (migration 2026_11_30_0022). Words go
 * to the database as plain text (phraseto_tsquery stems them as the index did and reads no
 * syntax); a prefix is a folded string of letters and digits, so quoting it makes it a lexeme.
 */
function termQuery (term: SearchTerm): RawBuilder<unknown> {
  if ('prefix' in term) return sql`${`'${term.prefix}':*`}::tsquery`
  return sql`kring_search_phrase(${term.words.join(' ')})`
}

/** All of `include`, none of `exclude`. */
export function searchTsquery (terms: ParsedQuery['terms']): RawBuilder<unknown> {
  const parts = [...terms.include.map(termQuery), ...terms.exclude.map(term => sql`(!! ${termQuery(term)})`)]
  return sql`(${sql.join(parts, sql` && `)})`
}

/** ts_rank's weights for D, C, B, A: the title (A) weighs five times the body (D), as with bm25 on SQLite. */
export const RANK_WEIGHTS = sql`'{0.2, 0.2, 0.2, 1.0}'::float4[]`
