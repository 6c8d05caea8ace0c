import type SQLite from 'better-sqlite3'
import { CompiledQuery, type Kysely } from 'kysely'
import type { Locale } from '../config.js'
import type { DB } from '../db/index.js'
import { buildPostgresSearchIndex, postgresSearchIndexIsCurrent } from '../search/postgres-index.js'
import { quoted, throttled } from './archive-format.js'
import { CopyError, occupiedTables, planCopy, type CopyPlan, type CopyTable } from './copy-to-postgres-plan.js'
import { checkNamedFiles, compareRows, describeDifferences } from './copy-to-postgres-verify.js'

export { CopyError } from './copy-to-postgres-plan.js'

/**
 * `kring copy-to-postgres URL` (README.md, "Moving to PostgreSQL"): a SQLite forum copied into an
 * empty, migrated PostgreSQL database in one transaction, checked there before it commits.
 */

/** PostgreSQL takes at most 65,535 parameters in one statement. */
const MAX_PARAMETERS = 65_535
const MAX_ROWS = 5_000
/** A multi-row insert carries at most about this much text (posts are long). */
const MAX_BYTES = 4 * 1024 * 1024

export interface CopyOptions {
  sqlite: SQLite.Database
  /** The target, migrated. */
  db: DB
  uploadsDir: string
  progress?: (done: number, total: number) => void
  checkProgress?: (done: number, total: number) => void
  /** The site's language, in which the search index stems its words. */
  locale: Locale
  indexProgress?: (done: number, total: number) => void
}

export interface CopyReport {
  tables: number
  rows: number
  posts: number
  /** Rows compared column by column, and in how many tables. */
  compared: { rows: number, tables: number }
  /** SHA-256 over every post's SHA-256, in id order, equal on both sides. */
  postsChecksum: string
  files: number
  missingFiles: string[]
  /** Tables and columns of the SQLite forum that PostgreSQL has not: not copied. */
  leftOut: string[]
  /** Foreign keys filled in after every table was copied (they close a cycle). */
  deferred: string[]
}

const run = async (db: Kysely<any>, text: string, parameters: unknown[] = []): Promise<Array<Record<string, unknown>>> =>
  (await db.executeQuery(CompiledQuery.raw(text, parameters))).rows as Array<Record<string, unknown>>

const size = (value: unknown): number => typeof value === 'string' ? value.length : Buffer.isBuffer(value) ? value.length : 8

/** `($1, $2), ($3, $4)` for rows of `width` values, each optionally cast. */
function placeholders (rows: number, width: number, cast: (column: number, parameter: string) => string = (_, p) => p): string {
  const groups: string[] = []
  for (let row = 0, n = 1; row < rows; row++) {
    const values: string[] = []
    for (let column = 0; column < width; column++) values.push(cast(column, `$${n++}`))
    groups.push(`(${values.join(', ')})`)
  }
  return groups.join(', ')
}

/**
 * Sends rows in statements of as many rows as fit (parameters, bytes), reading the next batch
 * from SQLite while PostgreSQL writes the last one.
 */
async function inBatches (rows: Iterable<unknown[]>, width: number, write: (count: number, parameters: unknown[]) => Promise<unknown>): Promise<void> {
  const maxRows = Math.min(MAX_ROWS, Math.floor(MAX_PARAMETERS / width))
  let parameters: unknown[] = []
  let count = 0
  let bytes = 0
  let pending: Promise<unknown> = Promise.resolve()
  const flush = async (): Promise<void> => {
    await pending
    const sent = write(count, parameters)
    sent.catch(() => {}) // awaited at the next flush; a failure meanwhile is not "unhandled"
    pending = sent
    parameters = []
    count = 0
    bytes = 0
  }
  for (const row of rows) {
    for (const value of row) {
      parameters.push(value)
      bytes += size(value)
    }
    if (++count === maxRows || bytes >= MAX_BYTES) await flush()
  }
  if (count > 0) await flush()
  await pending
}

/** A table's rows, deferred keys as null. */
async function copyTable (trx: Kysely<any>, sqlite: SQLite.Database, table: CopyTable, tick: (rows: number) => void): Promise<void> {
  const head = `insert into ${quoted(table.name)} (${table.columns.map(quoted).join(', ')}) values `
  const select = sqlite.prepare(`select ${table.columns.map(column => table.deferred.includes(column) ? 'null' : quoted(column)).join(', ')} from ${quoted(table.name)} order by ${table.order}`).raw(true)
  const texts = new Map<number, string>()
  await inBatches(select.iterate() as Iterable<unknown[]>, table.columns.length, async (count, parameters) => {
    if (!texts.has(count)) texts.set(count, head + placeholders(count, table.columns.length))
    await run(trx, texts.get(count)!, parameters)
    tick(count)
  })
}

/** Fills in the keys written as null, by the table's primary key. */
async function fillDeferred (trx: Kysely<any>, sqlite: SQLite.Database, table: CopyTable): Promise<void> {
  const columns = [table.key!, ...table.deferred]
  const select = sqlite.prepare(`select ${columns.map(quoted).join(', ')} from ${quoted(table.name)}
    where ${table.deferred.map(column => `${quoted(column)} is not null`).join(' or ')} order by ${quoted(table.key!)}`).raw(true)
  // Values in a VALUES list have no column to take their type from: each is cast to its column's.
  const cast = (column: number, parameter: string): string => {
    const type = table.types[columns[column]!] ?? 'text'
    return /^[a-z ]+$/.test(type) ? `cast(${parameter} as ${type})` : parameter
  }
  const set = table.deferred.map((column, i) => `${quoted(column)} = v.c${i + 1}`).join(', ')
  const names = columns.map((_, i) => `c${i}`).join(', ')
  await inBatches(select.iterate() as Iterable<unknown[]>, columns.length, async (count, parameters) => {
    await run(trx, `update ${quoted(table.name)} as t set ${set} from (values ${placeholders(count, columns.length, cast)}) as v(${names}) where t.${quoted(table.key!)} = v.c0`, parameters)
  })
}

/**
 * Moves every identity past the ids copied, and past the highest id SQLite ever gave out in an
 * AUTOINCREMENT table (sqlite_sequence), so the ids of deleted rows are not given out again.
 */
async function advanceSequences (trx: Kysely<any>, sqlite: SQLite.Database, plan: CopyPlan): Promise<void> {
  const hasCounters = sqlite.prepare("select 1 from sqlite_master where name = 'sqlite_sequence'").get() !== undefined
  const counters = new Map(hasCounters ? (sqlite.prepare('select name, seq from sqlite_sequence').raw(true).all() as Array<[string, number]>) : [])
  const copied = new Set(plan.tables.map(table => table.name))
  const sequences = await run(trx, `select table_name as "table", column_name as "column", pg_get_serial_sequence(quote_ident(table_name), column_name) as "sequence"
    from information_schema.columns where table_schema = current_schema() and (is_identity = 'YES' or column_default like 'nextval(%')`)
  for (const { table, column, sequence } of sequences as Array<{ table: string, column: string, sequence: string | null }>) {
    if (!copied.has(table) || sequence === null) continue
    const [{ n }] = await run(trx, `select coalesce(max(${quoted(column)}), 0) as n from ${quoted(table)}`) as [{ n: number }]
    const last = Math.max(Number(n), Number(counters.get(table) ?? 0))
    await run(trx, 'select setval($1, $2, $3)', [sequence, Math.max(last, 1), last > 0])
  }
}

/** Tables compared row by row: those numbered by an integer key (a text key sorts differently on each side). */
const comparable = (plan: CopyPlan): CopyTable[] => plan.tables.filter(table => table.key !== null && table.columns.includes(table.key) && ['bigint', 'integer'].includes(table.types[table.key]!))

/**
 * Row counts of every table, then every row of the tables with an integer key (posts, topics,
 * forums, members, …) compared column by column: the copy commits only if all match.
 * Returns the posts' checksum.
 */
async function verify (trx: Kysely<any>, sqlite: SQLite.Database, plan: CopyPlan, counts: Map<string, number>, progress: (done: number, total: number) => void): Promise<string> {
  const problems: string[] = []
  for (const table of plan.tables) {
    const [{ n }] = await run(trx, `select count(*) as n from ${quoted(table.name)}`) as [{ n: number }]
    if (Number(n) !== counts.get(table.name)) problems.push(`${table.name} has ${counts.get(table.name)} rows on SQLite, ${n} on PostgreSQL`)
  }
  const tables = comparable(plan)
  const total = tables.reduce((sum, table) => sum + counts.get(table.name)!, 0)
  let done = 0
  let checksum = ''
  for (const table of tables) {
    const found = await compareRows(sqlite, trx, table, rows => progress(done += rows, total))
    if (table.name === 'posts') checksum = found.checksum
    const problem = describeDifferences(table.name, found)
    if (problem !== null) problems.push(problem)
  }
  if (total === 0) progress(0, 0)
  if (problems.length > 0) throw new CopyError(`The copy does not match the SQLite forum, so nothing was kept: ${problems.join('; ')}`)
  return checksum
}

/**
 * Turns the target's own triggers off for the copy, as a restore from pg_dump loads rows before
 * its triggers exist: what they derive is copied already, except the search index (post_search,
 * a tsvector per post), which is built in one go afterwards. Without the right to (another
 * role owns the tables), the triggers stay on: slower, the same result.
 */
async function withoutTriggers (trx: Kysely<any>, plan: CopyPlan): Promise<boolean> {
  await run(trx, 'savepoint triggers')
  try {
    for (const table of plan.tables) await run(trx, `alter table ${quoted(table.name)} disable trigger user`)
    return true
  } catch {
    await run(trx, 'rollback to savepoint triggers')
    return false
  }
}

/** Copies the forum, verifies it, and commits. Refuses a target whose tables hold any row. */
export async function copyToPostgres (options: CopyOptions): Promise<CopyReport> {
  const { sqlite, db } = options
  const progress = throttled(options.progress ?? (() => {}))
  const checkProgress = throttled(options.checkProgress ?? (() => {}))
  // One read transaction: every table is read from the same moment of the SQLite file.
  sqlite.exec('begin')
  try {
    const plan = await planCopy(sqlite, db)
    const counts = new Map(plan.tables.map(table => [table.name, Number((sqlite.prepare(`select count(*) as n from ${quoted(table.name)}`).get() as { n: number }).n)]))
    const total = [...counts.values()].reduce((sum, n) => sum + n, 0)
    let checksum = ''
    await db.transaction().execute(async trx => {
      // Taken before the check, so that a second copy started meanwhile waits, then finds the tables occupied.
      await run(trx, `lock table ${plan.tables.map(table => quoted(table.name)).join(', ')} in exclusive mode`)
      const occupied = await occupiedTables(trx, plan)
      if (occupied.length > 0) {
        throw new CopyError(`The PostgreSQL database is not empty (${occupied.map(t => `${t.name}: ${t.rows} rows`).join(', ')}): copy into a new, empty database; nothing was written`)
      }
      const triggersOff = await withoutTriggers(trx, plan)
      let done = 0
      progress(0, total)
      for (const table of plan.tables) {
        try {
          await copyTable(trx, sqlite, table, rows => progress(done += rows, total))
        } catch (error) {
          throw error instanceof CopyError ? error : new CopyError(`Copying ${table.name} failed, nothing was kept: ${(error as Error).message}`)
        }
      }
      if (total === 0) progress(0, 0)
      for (const table of plan.tables) if (table.deferred.length > 0) await fillDeferred(trx, sqlite, table)
      await advanceSequences(trx, sqlite, plan)
      if (triggersOff) {
        for (const table of plan.tables) await run(trx, `alter table ${quoted(table.name)} enable trigger user`)
        // Left as a new index: the build below makes it, or else the forum's next start.
        await run(trx, "update search_index_state set built = ''")
      }
      checksum = await verify(trx, sqlite, plan, counts, checkProgress)
    })
    if (!await postgresSearchIndexIsCurrent(db, options.locale)) await buildPostgresSearchIndex(db, options.locale, options.indexProgress ?? (() => {}))
    // Fresh statistics for the planner, and the visibility map that lets it answer from an index alone, after a bulk
    // load (autovacuum would take a while).
    await run(db, 'vacuum analyze')
    const { files, missing } = checkNamedFiles(sqlite, options.uploadsDir)
    return {
      tables: plan.tables.length,
      rows: total,
      posts: counts.get('posts') ?? 0,
      compared: { rows: comparable(plan).reduce((sum, table) => sum + counts.get(table.name)!, 0), tables: comparable(plan).length },
      postsChecksum: checksum,
      files,
      missingFiles: missing,
      leftOut: plan.leftOut,
      deferred: plan.tables.flatMap(table => table.deferred.map(column => `${table.name}.${column}`))
    }
  } finally {
    sqlite.exec('commit')
  }
}
