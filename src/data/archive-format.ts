import type SQLite from 'better-sqlite3'

/**
 * A whole forum in one ZIP (`kring export` / `kring import`, described in README.md):
 *   manifest.json              format, version, schema (the latest migration), created_at, rows per table, files
 *   tables/<table>.jsonl       one JSON object per row, columns by name, in primary-key order
 *   uploads/<folder>/<name>    every file a row names, as stored under UPLOADS_DIR
 */
export const ARCHIVE_FORMAT = 'kring-forum-archive'
export const ARCHIVE_VERSION = 1

export interface Manifest {
  format: string
  version: number
  /** The latest migration the forum had run: an archive imports only into the same schema. */
  schema: string
  created_at: string
  /** Rows per table, in the order of the archive's entries. */
  tables: Record<string, number>
  files: number
}

/** A problem with the archive or the target, told to the operator without a stack trace. */
export class ArchiveError extends Error {}

/**
 * Columns that name a stored file, and the folder under UPLOADS_DIR it lives in. The archive
 * carries exactly these files (left-overs of refused posts stay behind); a new kind of stored
 * file belongs here.
 */
export const FILE_COLUMNS = [
  { table: 'uploads', column: 'stored_name', folder: 'files' },
  { table: 'uploads', column: 'thumb_name', folder: 'files' },
  { table: 'users', column: 'avatar', folder: 'avatars' }
] as const

/** Kysely's bookkeeping (the importer migrates the target itself) and the state of the search index, which is rebuilt. */
const LEFT_OUT = new Set(['kysely_migration', 'kysely_migration_lock', 'search_index_state'])
/** What SQLite keeps behind a virtual table (FTS3/4/5, R*Tree): derived, never moved. */
const SHADOW_SUFFIXES = ['content', 'data', 'idx', 'docsize', 'config', 'segments', 'segdir', 'stat', 'node', 'parent', 'rowid']

export interface TableShape {
  name: string
  /** Stored columns (generated and hidden ones are left out). */
  columns: string[]
  /** The ORDER BY that lists its rows the same way in every copy of the forum. */
  order: string
  withoutRowid: boolean
}

export const quoted = (name: string): string => `"${name.replace(/"/g, '""')}"`

/** Every application table, found in sqlite_master, so tables added by later migrations travel too. */
export function archivedTables (sqlite: SQLite.Database): TableShape[] {
  const all = sqlite.prepare("select name, sql from sqlite_master where type = 'table' order by name").all() as Array<{ name: string, sql: string | null }>
  const virtual = all.filter(table => /^\s*create\s+virtual\s+table/i.test(table.sql ?? '')).map(table => table.name)
  const isShadow = (name: string): boolean => virtual.some(v => SHADOW_SUFFIXES.some(suffix => name === `${v}_${suffix}`))
  return all
    .filter(({ name }) => !LEFT_OUT.has(name) && !virtual.includes(name) && !isShadow(name) && (!name.startsWith('sqlite_') || name === 'sqlite_sequence'))
    .map(({ name, sql }) => {
      const info = sqlite.prepare('select name, pk, hidden from pragma_table_xinfo(?)').all(name) as Array<{ name: string, pk: number | bigint, hidden: number | bigint }>
      const key = info.filter(c => Number(c.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk)).map(c => quoted(c.name))
      // Without a primary key, rows keep the order they were written in; AUTOINCREMENT's counters are one per table.
      const order = key.length > 0 ? key.join(', ') : name === 'sqlite_sequence' ? 'name' : 'rowid'
      return { name, columns: info.filter(c => Number(c.hidden) === 0).map(c => c.name), order, withoutRowid: /\)\s*without\s+rowid\s*;?\s*$/i.test(sql ?? '') }
    })
}

/** The latest migration this database has run (Kysely's names sort in the order they run). */
export function schemaVersion (sqlite: SQLite.Database): string {
  const row = sqlite.prepare('select max(name) as name from kysely_migration').get() as { name: string | null }
  if (row.name === null) throw new ArchiveError('The database has not been migrated')
  return row.name
}

/** A row's value as JSON: text, numbers and null as they are; blobs and integers past 2^53 tagged. */
export function encodeValue (value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : { $integer: value.toString() }
  }
  if (Buffer.isBuffer(value)) return { $base64: value.toString('base64') }
  return value
}

export function decodeValue (value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number') return value
  if (typeof value === 'object' && !Array.isArray(value)) {
    const tagged = value as Record<string, unknown>
    const keys = Object.keys(tagged)
    if (keys.length === 1 && typeof tagged.$base64 === 'string') return Buffer.from(tagged.$base64, 'base64')
    if (keys.length === 1 && typeof tagged.$integer === 'string' && /^-?\d+$/.test(tagged.$integer)) return BigInt(tagged.$integer)
  }
  throw new ArchiveError(`a value that is not text, a number, null or an encoded blob: ${JSON.stringify(value)?.slice(0, 80)}`)
}

/** A relative path of plain names (`files/abc.pdf`), or null for anything that could leave its folder (zip-slip). */
export function safeRelativePath (name: string): string | null {
  if (name === '' || name.includes('\\') || name.includes('\0') || name.startsWith('/') || /^[a-z]:/i.test(name)) return null
  return name.split('/').some(part => part === '' || part === '.' || part === '..') ? null : name
}

export function hasColumn (sqlite: SQLite.Database, table: string, column: string): boolean {
  return Number((sqlite.prepare('select count(*) as n from pragma_table_info(?) where name = ?').get(table, column) as { n: number | bigint }).n) > 0
}

/** Every stored file the database names, as `folder/name`, sorted: the files an archive carries. */
export function namedFilesQuery (sqlite: SQLite.Database): string | null {
  const parts = FILE_COLUMNS.filter(({ table, column }) => hasColumn(sqlite, table, column))
    .map(({ table, column, folder }) => `select '${folder}/' || ${quoted(column)} as path from ${quoted(table)} where ${quoted(column)} is not null`)
  return parts.length === 0 ? null : `select path from (${parts.join(' union ')}) order by path`
}

/** A progress callback that draws at most ten times a second (and always the last step). */
export function throttled (progress: (done: number, total: number) => void): (done: number, total: number) => void {
  let last = 0
  let finished = false
  return (done, total) => {
    const now = Date.now()
    if (finished || (done < total && now - last < 100)) return
    finished = done >= total
    last = now
    progress(done, total)
  }
}

/** "1,234 rows in 30 tables and 5 files", for the CLI's last line. */
export function describeArchive (manifest: Manifest): string {
  const rows = Object.values(manifest.tables).reduce((sum, n) => sum + n, 0)
  return `${rows.toLocaleString('en')} rows in ${Object.keys(manifest.tables).length} tables and ${manifest.files.toLocaleString('en')} files`
}
