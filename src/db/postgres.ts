import pg from 'pg'
import { Kysely, PostgresDialect, type DatabaseConnection } from 'kysely'
import type { Database } from './schema.js'
import { isVisibleWrite, type DB } from './index.js'

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
 * Counts the writes a guest may see, as the SQLite side does: each such write as it is made,
 * and once more when its transaction commits, so a guest's page read between the write and
 * the commit (still the old rows) is not kept as if it were current.
 */
function countWrites (connection: DatabaseConnection, writes: { count: number }): void {
  const execute = connection.executeQuery.bind(connection)
  let inTransaction = false
  let wrote = false
  connection.executeQuery = async query => {
    const text = query.sql
    if (/^\s*(?:begin|start transaction)\b/i.test(text)) { inTransaction = true; wrote = false }
    if (isVisibleWrite(text)) { writes.count++; wrote = inTransaction }
    try {
      return await execute(query)
    } finally {
      if (/^\s*(?:commit|rollback)\s*$/i.test(text)) {
        if (wrote) writes.count++
        inTransaction = false
        wrote = false
      }
    }
  }
}

export interface OpenPostgres { db: DB, pool: pg.Pool, writes: { count: number } }

/** A pool of `poolSize` connections to the PostgreSQL database at `url`. */
export function openPostgres (url: string, poolSize: number, onIdleError: (error: Error) => void): OpenPostgres {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types })
  // A connection that drops while idle (a restart, a network cut) is an event on the pool; unheard,
  // it would end the process. The pool makes a new connection when one is next needed.
  pool.on('error', onIdleError)
  const writes = { count: 0 }
  const dialect = new PostgresDialect({ pool, onCreateConnection: async connection => countWrites(connection, writes) })
  return { db: new Kysely<Database>({ dialect }), pool, writes }
}
