import { createHash } from 'node:crypto'
import type pg from 'pg'

/**
 * How many statements each connection keeps prepared. The same few hundred SQL texts come back
 * thousands of times a second; texts past this many (a list of ids makes a new text for each
 * length) are parsed and planned each time, as before, so the server's memory stays bounded.
 */
const KEPT = 300

/** A search's best plan depends on the words sought (how many posts hold them): planned each time. */
const PLANNED_EACH_TIME = /@@|tsquery|kring_search/

/**
 * PostgreSQL refuses a kept statement whose rows changed shape: another process's migration
 * added a column under a `select *` (0A000 with these words). A name the server no longer knows
 * (26000) is as good as gone. Either way the statement is prepared anew; see wrapConnection.
 */
export function isStaleStatement (error: { code?: unknown, message?: unknown }): boolean {
  return (error.code === '0A000' && typeof error.message === 'string' && error.message.includes('cached plan must not change result type')) || error.code === '26000'
}

/** A list of many ids makes a new text for each length: those are not worth a place. */
const LONG_LIST = /\bin \((?:\$\d+, ){9,}/

type Query = (text: unknown, values?: unknown, ...rest: unknown[]) => Promise<pg.QueryResult>

/**
 * Keeps a connection's statements prepared (named), as the SQLite side keeps its own: each is
 * parsed and planned once per connection, not on every call. Kysely's pg driver sends every
 * query unnamed; a member's page makes eight or so, and planning them was much of its time.
 */
export function keepStatementsPrepared (client: pg.PoolClient): void {
  const query = client.query.bind(client) as Query
  let names = new Map<string, string>()
  let generation = 0
  const prepared: Query = (text, values, ...rest) => {
    if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || rest.length > 0 || PLANNED_EACH_TIME.test(text) || LONG_LIST.test(text)) return query(text, values, ...rest)
    let name = names.get(text)
    if (name === undefined && names.size < KEPT) {
      name = `kring${generation}_${createHash('sha1').update(text).digest('base64url')}`
      names.set(text, name)
    }
    if (name === undefined) return query(text, values)
    return query({ name, text, values }).catch((error: Error) => {
      // Every kept statement may be stale: the next use of each prepares it under a new name.
      if (isStaleStatement(error)) {
        names = new Map()
        generation++
      }
      throw error
    })
  }
  client.query = prepared as typeof client.query
}
