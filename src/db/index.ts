import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, PostgresAdapter, SqliteDialect } from 'kysely'
import type { Database } from './schema.js'
import type { Locale } from '../config.js'
import { indexText } from '../search/text.js'
import { isStaleStatement } from './postgres-statements.js'

export type DB = Kysely<Database>

export type Dialect = 'sqlite' | 'postgres'

/** Whether this database (or transaction) is PostgreSQL, for the few queries whose SQL must differ. */
export const isPostgres = (db: DB): boolean => db.getExecutor().adapter instanceof PostgresAdapter

export interface OpenDatabase {
  db: DB
  dialect: Dialect
  /** SQLite's raw handle, for what Kysely does not do: online backup, checkpoints, pragmas (null on PostgreSQL). */
  sqlite: SQLite.Database | null
  /** Counts the writes that may change what a guest sees (see plugins/page-cache.ts). */
  writes: { count: number }
  /** What this opening signs its notices to other processes with (PostgreSQL; see listener.ts), so it can tell its own from theirs. */
  signature: string | null
}

/**
 * Writes no guest ever sees: a member's session, reading marks, notifications, drafts, mail
 * waiting to go, an export being made. Every other write may change a public page. Transaction control is no write.
 */
const UNSEEN_BY_GUESTS = /^\s*(?:(?:insert\s+(?:or\s+\w+\s+)?into|replace\s+into|update|delete\s+from)\s+"?(?:sessions|topic_reads|notifications|drafts|login_failures|outbox|inbound_mails|email_tokens|watches|user_mutes|data_exports)\b|begin|commit|rollback|savepoint|release|pragma)/i

/** Whether this SQL text is a write that may change what a guest sees. */
export function isVisibleWrite (sql: string): boolean {
  return /^\s*(?:insert|update|delete|replace)\b/i.test(sql) && !UNSEEN_BY_GUESTS.test(sql)
}

/**
 * A write refused by a unique index, and which: a text naming the table and column or index,
 * as SQLite ("UNIQUE constraint failed: users.email_key") or PostgreSQL (table and constraint,
 * "users.users_email_key_unique") says it. The one place that reads the drivers' errors.
 */
export function uniqueViolation (error: unknown): { index: string } | null {
  if (error instanceof SQLite.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE') return { index: error.message }
  const pgError = error as { code?: unknown, table?: unknown, constraint?: unknown }
  if (pgError?.code === '23505') return { index: `${String(pgError.table)}.${String(pgError.constraint)}` }
  return null
}

/** PostgreSQL's SQLSTATE class and codes that mean it cannot be reached, is restarting or has no connection free. */
const POSTGRES_UNREACHABLE = /^(?:08...|57P0[123]|53300)$/

/**
 * Why the database cannot take a request just now, or null for any other error: the page then
 * says so with a 503, and a form comes back with its text (plugins/errors.ts). SQLite: a full
 * disk or a lock held too long; PostgreSQL: a full disk, or a restart or lost connection.
 */
export function storageTrouble (error: { code?: unknown, message?: unknown, syscall?: unknown }): 'storage_full' | 'busy' | 'database_unreachable' | null {
  const code = typeof error.code === 'string' ? error.code : ''
  if (code === 'SQLITE_FULL' || code === '53100') return 'storage_full'
  if (code === 'SQLITE_BUSY' || code === '40P01') return 'busy'
  // On PostgreSQL, a kept statement that went stale in a transaction: sent again, it works.
  if (isStaleStatement(error)) return 'busy'
  if (POSTGRES_UNREACHABLE.test(code)) return 'database_unreachable'
  // Connecting failed (no server at the address or socket): the only connects a request makes are the pool's.
  if (error.syscall === 'connect') return 'database_unreachable'
  // pg's own words for a connection that ended under a query, or a pool that could not connect in time.
  if (typeof error.message === 'string' && /^(?:Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(error.message)) return 'database_unreachable'
  return null
}

/** 3.51.3 fixes a WAL-reset bug that can corrupt a database under concurrent checkpoints. */
export const MINIMUM_SQLITE_VERSION = '3.51.3'

export function isSqliteVersionAtLeast (actual: string, minimum: string): boolean {
  const a = actual.split('.').map(Number)
  const m = minimum.split('.').map(Number)
  for (let i = 0; i < m.length; i++) {
    if ((a[i] ?? 0) !== m[i]) return (a[i] ?? 0) > m[i]
  }
  return true
}

/**
 * Kysely prepares every query anew, and preparing was a sixth of a topic page's time: the
 * same few hundred SQL texts come back thousands of times a second. This keeps the most
 * recently used prepared statements (a statement still being read from gets a fresh one).
 */
function withStatementCache (sqlite: SQLite.Database, writes: { count: number }, size = 500): { close: () => void, prepare: (sql: string) => SQLite.Statement } {
  const cache = new Map<string, SQLite.Statement>()
  const seen = new Map<string, boolean>()
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      let statement = cache.get(sql)
      if (statement === undefined || statement.busy) {
        statement = sqlite.prepare(sql)
        if (cache.size >= size) cache.delete(cache.keys().next().value!)
      } else {
        cache.delete(sql)
      }
      cache.set(sql, statement)
      // Kysely prepares each query right before running it, so this counts every write about to be made
      // (a write with RETURNING is a "reader" to SQLite, so the text decides).
      let visible = seen.get(sql)
      if (visible === undefined) {
        visible = (!statement.reader && !UNSEEN_BY_GUESTS.test(sql)) || isVisibleWrite(sql)
        if (seen.size >= size) seen.delete(seen.keys().next().value!)
        seen.set(sql, visible)
      }
      if (visible) writes.count++
      return statement
    }
  }
}

export function openDatabase (file: string, options: { synchronous?: 'FULL' | 'NORMAL', locale?: Locale } = {}): OpenDatabase & { sqlite: SQLite.Database } {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const sqlite = new SQLite(file)
  const version = (sqlite.prepare('select sqlite_version() as v').get() as { v: string }).v
  if (!isSqliteVersionAtLeast(version, MINIMUM_SQLITE_VERSION)) {
    sqlite.close()
    throw new Error(`SQLite ${version} is too old: Kring needs ${MINIMUM_SQLITE_VERSION} or newer`)
  }
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  // Deleted content is overwritten, not left in free pages: an erased member's address is gone from the file too.
  sqlite.pragma('secure_delete = ON')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
  // The search index's triggers call this, so the index follows every write in its own transaction.
  const locale = options.locale ?? 'nl'
  sqlite.function('kring_index_text', { deterministic: true }, (text: unknown) => indexText(typeof text === 'string' ? text : '', locale))
  // One connection: Kysely's SQLite driver serialises every query and transaction on it,
  // so there is exactly one writer.
  const writes = { count: 0 }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite, writes) }) })
  return { db, dialect: 'sqlite', sqlite, writes, signature: null }
}
