import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { CompiledQuery, Kysely, PostgresDialect, type DatabaseConnection, type QueryResult } from 'kysely'
import type { Database } from './schema.js'
import { isVisibleWrite, type DB } from './index.js'
import { isStaleStatement, keepStatementsPrepared } from './postgres-statements.js'

/**
 * PostgreSQL's 64-bit integers (times in ms, ids, counts) and numerics (sums) come back as
 * numbers, as from SQLite; `pg` would give strings. Kring's values stay far below 2^53.
 */
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format as 'text')
  }
}

/**
 * PostgreSQL's text cannot hold a NUL byte and refuses the whole query; SQLite takes it. A NUL
 * can only come from a URL or form (typed text has its control characters stripped), and no
 * stored text holds one, so it becomes U+FFFD: a lookup then finds nothing, as on SQLite.
 */
const withoutNul = (value: unknown): unknown => typeof value === 'string' && value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value

/**
 * Every transaction first takes this one lock (held until it ends), so transactions run one at
 * a time across all processes, as SQLite's single writer runs them. The model layer is written
 * for that: a reply reads the topic's post count and inserts the next position; a toggle reads,
 * then writes. Without it, READ COMMITTED lets two replies take one position. Statements outside
 * a transaction do not wait for it (each is atomic by itself), so reads never queue behind writes.
 */
const ONE_TRANSACTION_AT_A_TIME = 'select pg_advisory_xact_lock(7310411)'

/** What other Kring processes on the same database are told (src/db/listener.ts): a write a guest may see, a setting changed. */
export const CHANNELS = { writes: 'kring_writes', settings: 'kring_settings' } as const
const SETTINGS_WRITE = /^\s*(?:insert\s+into|update|delete\s+from)\s+"?settings\b/i
const BEGIN = /^\s*(?:begin|start transaction)\b/i
const END = /^\s*(?:commit|rollback)\s*$/i
const COMMIT = /^\s*commit\s*$/i

/**
 * Counts the writes a guest may see, as the SQLite side does: each such write as it is made,
 * and once more when its transaction ends, so a guest's page read between the write and the
 * commit (still the old rows) is not kept as if it were current. Tells the other processes of
 * such writes and of changed settings, signed, since PostgreSQL sends each notice to its sender
 * too. Also replaces NUL bytes, and takes the transaction lock above.
 *
 * Round trips are what a transaction here costs most, and it holds the lock through them: the
 * lock goes with the BEGIN, and a transaction's notices with its COMMIT (none on rollback), each
 * in one simple query (the statements have no parameters).
 */
function wrapConnection (connection: DatabaseConnection, writes: { count: number }, signature: string): void {
  const execute = connection.executeQuery.bind(connection)
  const notices = (channels: Iterable<string>): string => [...channels].map(channel => `select pg_notify('${channel}', '${signature}')`).join('; ')
  let inTransaction = false
  /** The channels to tell when the open transaction commits. */
  const toTell = new Set<string>()
  connection.executeQuery = async <R>(compiled: CompiledQuery): Promise<QueryResult<R>> => {
    const query = compiled.parameters.some(value => typeof value === 'string' && value.includes('\0'))
      ? { ...compiled, parameters: compiled.parameters.map(withoutNul) }
      : compiled
    const text = query.sql
    if (BEGIN.test(text)) {
      inTransaction = true
      toTell.clear()
      try {
        return await execute<R>({ ...query, sql: `${text}; ${ONE_TRANSACTION_AT_A_TIME}` })
      } catch (error) {
        // Kysely rolls back only a transaction whose BEGIN succeeded; a lock that failed (a
        // cancel, a timeout) left one open, and the pool would lend the connection on as is.
        inTransaction = false
        await execute(CompiledQuery.raw('rollback')).catch(() => {})
        throw error
      }
    }
    if (END.test(text)) {
      try {
        return await execute<R>(COMMIT.test(text) && toTell.size > 0 ? { ...query, sql: `${notices(toTell)}; ${text}` } : query)
      } finally {
        if (toTell.has(CHANNELS.writes)) writes.count++
        inTransaction = false
        toTell.clear()
      }
    }
    const visible = isVisibleWrite(text)
    if (visible) writes.count++
    const result = await execute<R>(query).catch(async (error: Error) => {
      // A kept statement gone stale (postgres-statements.ts): outside a transaction it is simply sent again.
      if (!isStaleStatement(error) || inTransaction) throw error
      return execute<R>(query)
    })
    const channels = [...(visible ? [CHANNELS.writes] : []), ...(SETTINGS_WRITE.test(text) ? [CHANNELS.settings] : [])]
    if (inTransaction) channels.forEach(channel => toTell.add(channel))
    else if (channels.length > 0) await execute(CompiledQuery.raw(notices(channels)))
    return result
  }
}

export interface OpenPostgres { db: DB, pool: pg.Pool, writes: { count: number }, signature: string }

/** A pool of `poolSize` connections to the PostgreSQL database at `url`. */
export function openPostgres (url: string, poolSize: number, onIdleError: (error: Error) => void): OpenPostgres {
  // JIT compiling a query costs 100–250 ms, and the planner chooses it for Kring's small OLTP queries on tables it has no statistics for yet.
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types, options: '-c jit=off' })
  // A connection that drops while idle (a restart, a network cut) is an event on the pool; unheard,
  // it would end the process. The pool makes a new connection when one is next needed.
  pool.on('error', onIdleError)
  // A connection cut while lent out, between the queries of a transaction, emits its error on
  // the connection itself, where the pool no longer listens; unheard, that too would end the
  // process. The transaction's next query fails (a 503), and the pool discards the connection.
  pool.on('connect', client => {
    client.on('error', () => {})
    keepStatementsPrepared(client)
  })
  const writes = { count: 0 }
  const signature = randomUUID()
  const dialect = new PostgresDialect({ pool, onCreateConnection: async connection => wrapConnection(connection, writes, signature) })
  return { db: new Kysely<Database>({ dialect }), pool, writes, signature }
}
