import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import path from 'node:path'
import type SQLite from 'better-sqlite3'
import { CompiledQuery, type Kysely } from 'kysely'
import { namedFilesQuery, quoted } from './archive-format.js'
import type { CopyTable } from './copy-to-postgres-plan.js'

/** Rows fetched from PostgreSQL at a time while comparing. */
const BATCH = 5000
/** Ids named in a report of rows that differ; the rest are counted. */
const NAMED = 10

export interface RowComparison {
  rows: number
  /** SHA-256 over the rows' own SHA-256s, in key order: equal on both sides when every row is. */
  checksum: string
  differ: number[]
  missing: number[]
  extra: number[]
  /** How many rows differ, are missing or are extra in all (the lists above name the first few). */
  problems: number
}

/** A row as text, the same on both sides: values as text (numbers come back as numbers from either), blobs as hex. */
const digest = (row: unknown[]): Buffer => createHash('sha256')
  .update(JSON.stringify(row.map(value => value === null || value === undefined ? null : Buffer.isBuffer(value) ? { hex: value.toString('hex') } : String(value))))
  .digest()

/**
 * Compares a table row by row over all the columns both sides have: both are read in key
 * order (SQLite as a stream, PostgreSQL in batches after the last key seen) and joined.
 */
export async function compareRows (sqlite: SQLite.Database, db: Kysely<any>, table: CopyTable, tick: (rows: number) => void): Promise<RowComparison> {
  const key = table.key!
  const columns = table.columns
  const at = columns.indexOf(key)
  const list = columns.map(quoted).join(', ')
  const source = sqlite.prepare(`select ${list} from ${quoted(table.name)} order by ${quoted(key)}`).raw(true)
  let batch: unknown[][] = []
  let next = 0
  let last: unknown = null
  let exhausted = false
  const nextTarget = async (): Promise<unknown[] | null> => {
    if (next < batch.length) return batch[next++]!
    if (exhausted) return null
    const where = last === null ? '' : `where ${quoted(key)} > $1`
    const result = await db.executeQuery(CompiledQuery.raw(`select ${list} from ${quoted(table.name)} ${where} order by ${quoted(key)} limit ${BATCH}`, last === null ? [] : [last]))
    batch = (result.rows as Array<Record<string, unknown>>).map(row => columns.map(column => row[column]))
    next = 0
    exhausted = batch.length < BATCH
    if (batch.length === 0) return null
    last = batch[batch.length - 1]![at]
    return batch[next++]!
  }

  const found: RowComparison = { rows: 0, checksum: '', differ: [], missing: [], extra: [], problems: 0 }
  const note = (list: number[], id: unknown): void => {
    found.problems++
    if (list.length < NAMED) list.push(Number(id))
  }
  const sourceSum = createHash('sha256')
  const targetSum = createHash('sha256')
  let target = await nextTarget()
  for (const row of source.iterate() as Iterable<unknown[]>) {
    const id = Number(row[at])
    while (target !== null && Number(target[at]) < id) {
      note(found.extra, target[at])
      targetSum.update(digest(target))
      target = await nextTarget()
    }
    const mine = digest(row)
    sourceSum.update(mine)
    found.rows++
    tick(1)
    if (target === null || Number(target[at]) > id) {
      note(found.missing, id)
      continue
    }
    const theirs = digest(target)
    targetSum.update(theirs)
    if (!mine.equals(theirs)) note(found.differ, id)
    target = await nextTarget()
  }
  for (; target !== null; target = await nextTarget()) {
    note(found.extra, target[at])
    targetSum.update(digest(target))
  }
  const sums = [sourceSum.digest('hex'), targetSum.digest('hex')]
  if (sums[0] !== sums[1] && found.problems === 0) found.problems++
  found.checksum = sums[0]!
  return found
}

/** What a comparison found wrong, in a sentence, or null when the table arrived whole. */
export function describeDifferences (table: string, found: RowComparison): string | null {
  if (found.problems === 0) return null
  const ids = (what: string, list: number[]): string[] => list.length === 0 ? [] : [`${what} ${list.join(', ')}`]
  return `${found.problems} rows of ${table} do not match (${[...ids('differ:', found.differ), ...ids('missing on PostgreSQL:', found.missing), ...ids('only on PostgreSQL:', found.extra)].join('; ') || 'checksums differ'})`
}

/** Every file the rows name (`files/…`, `avatars/…`), and those not in the uploads folder. */
export function checkNamedFiles (sqlite: SQLite.Database, uploadsDir: string): { files: number, missing: string[] } {
  const query = namedFilesQuery(sqlite)
  const names = query === null ? [] : sqlite.prepare(query).pluck().all() as string[]
  return { files: names.length, missing: names.filter(name => !existsSync(path.join(uploadsDir, name))) }
}
