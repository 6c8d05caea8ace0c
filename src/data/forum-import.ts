import { createWriteStream, existsSync, promises as fs } from 'node:fs'
import path from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { StringDecoder } from 'node:string_decoder'
import zlib from 'node:zlib'
import type SQLite from 'better-sqlite3'
import yauzl from 'yauzl'
import type { Locale } from '../config.js'
import { buildSearchIndex } from '../search/index-builder.js'
import { ARCHIVE_FORMAT, ARCHIVE_VERSION, ArchiveError, FILE_COLUMNS, archivedTables, decodeValue, hasColumn, quoted, safeRelativePath, schemaVersion, throttled, type Manifest, type TableShape } from './archive-format.js'

export interface ImportOptions {
  /** The target database, migrated to the latest schema. */
  sqlite: SQLite.Database
  uploadsDir: string
  file: string
  locale: Locale
  progress?: (done: number, total: number) => void
  indexProgress?: (done: number, total: number) => void
}

/** What makes a forum: an import goes only where none of these holds a row. */
const FORUM_TABLES = ['users', 'forums', 'topics', 'posts']

export function refuseUnlessEmpty (sqlite: SQLite.Database): void {
  const held = FORUM_TABLES
    .map(table => ({ table, n: Number((sqlite.prepare(`select count(*) as n from ${quoted(table)}`).get() as { n: number | bigint }).n) }))
    .filter(({ n }) => n > 0)
  if (held.length > 0) {
    throw new ArchiveError(`The target already holds a forum (${held.map(({ table, n }) => `${n} ${table}`).join(', ')}): import only into a new, empty DATA_DIR`)
  }
}

/** The archive's entries one at a time, in the order they were written. */
function entryReader (zip: yauzl.ZipFile): () => Promise<yauzl.Entry | null> {
  let waiting: { resolve: (entry: yauzl.Entry | null) => void, reject: (error: Error) => void } | null = null
  let failure: Error | null = null
  zip.on('entry', (entry: yauzl.Entry) => waiting?.resolve(entry))
  zip.on('end', () => waiting?.resolve(null))
  zip.on('error', (error: Error) => { failure = error; waiting?.reject(error) })
  return () => new Promise((resolve, reject) => {
    if (failure !== null) return reject(failure)
    waiting = { resolve, reject }
    zip.readEntry()
  })
}

/** An entry's bytes, checked against the CRC-32 the archive recorded (yauzl checks only the size). */
async function openEntry (zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  const stream = await zip.openReadStreamPromise(entry)
  const crc32 = (zlib as unknown as { crc32?: (data: Buffer, value?: number) => number }).crc32
  if (crc32 === undefined) return stream
  let crc = 0
  const check = new Transform({
    transform (chunk: Buffer, _encoding, callback) { crc = crc32(chunk, crc); callback(null, chunk) },
    flush (callback) { callback(crc >>> 0 === entry.crc32 >>> 0 ? null : new Error(`${entry.fileName} is damaged (CRC-32 differs)`)) }
  })
  stream.on('error', error => check.destroy(error))
  return stream.pipe(check)
}

/** Longer than any row Kring writes (a post is at most a few hundred kB): a line past this is not read into memory. */
const MAX_LINE = 16 * 1024 * 1024
const FILE_FOLDERS = new Set<string>(FILE_COLUMNS.map(column => column.folder))

async function * linesOf (stream: Readable): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  for await (const chunk of stream) {
    const text = rest + decoder.write(chunk as Buffer)
    let start = 0
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      yield text.slice(start, end)
      start = end + 1
    }
    rest = text.slice(start)
    if (rest.length > MAX_LINE) throw new ArchiveError(`A line of a table is longer than ${MAX_LINE / 1024 / 1024} MB: this is not an archive Kring wrote`)
  }
  rest += decoder.end()
  if (rest !== '') yield rest
}

async function readManifest (zip: yauzl.ZipFile, entry: yauzl.Entry | null, ours: string): Promise<Manifest> {
  if (entry === null || entry.fileName !== 'manifest.json' || entry.uncompressedSize > 16 * 1024 * 1024) throw new ArchiveError('This is not a Kring forum archive: it does not start with manifest.json')
  const chunks: Buffer[] = []
  let manifest: Manifest
  try {
    for await (const chunk of await openEntry(zip, entry)) chunks.push(chunk as Buffer)
    manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Manifest
  } catch (error) {
    throw new ArchiveError(`manifest.json cannot be read: ${(error as Error).message}`)
  }
  if (manifest?.format !== ARCHIVE_FORMAT) throw new ArchiveError('This is not a Kring forum archive (manifest.json names another format)')
  if (manifest.version !== ARCHIVE_VERSION) throw new ArchiveError(`The archive has format version ${String(manifest.version)}; this Kring reads version ${ARCHIVE_VERSION}`)
  if (manifest.schema !== ours) {
    throw new ArchiveError(`The archive was made by a Kring at schema ${String(manifest.schema)}, this Kring is at ${ours}: ` +
      'run the same Kring version on both sides (update the old installation, start it once, and export again)')
  }
  const counts = Object.values(manifest.tables ?? {})
  if (typeof manifest.tables !== 'object' || counts.some(n => !Number.isSafeInteger(n) || n < 0) || !Number.isSafeInteger(manifest.files)) throw new ArchiveError('manifest.json is damaged (tables and files must be counts)')
  return manifest
}

/** Inserts a table's rows as they are, ids included; errors name the table and the line. */
async function importTable (sqlite: SQLite.Database, lines: AsyncIterable<string>, table: TableShape, expected: number, tick: (rows: number) => void): Promise<void> {
  const columns = new Set(table.columns)
  const inserts = new Map<string, SQLite.Statement>()
  // AUTOINCREMENT's counters: one row per table, put back exactly (so deleted ids are never handed out again).
  const forgetCounter = table.name === 'sqlite_sequence' ? sqlite.prepare('delete from sqlite_sequence where name = ?') : null
  let line = 0
  const where = (): string => `table ${table.name} (tables/${table.name}.jsonl), line ${line}`
  for await (const text of lines) {
    line++
    let row: Record<string, unknown>
    try {
      row = JSON.parse(text) as Record<string, unknown>
    } catch {
      throw new ArchiveError(`${where()}: not a JSON object`)
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new ArchiveError(`${where()}: not a JSON object`)
    const keys = Object.keys(row)
    const unknown = keys.find(key => !columns.has(key))
    if (unknown !== undefined) throw new ArchiveError(`${where()}: ${table.name} has no column "${unknown}"`)
    let insert = inserts.get(keys.join('\0'))
    if (insert === undefined) {
      insert = sqlite.prepare(`insert into ${quoted(table.name)} (${keys.map(quoted).join(', ')}) values (${keys.map(() => '?').join(', ')})`)
      inserts.set(keys.join('\0'), insert)
    }
    try {
      forgetCounter?.run(row.name)
      insert.run(keys.map(key => decodeValue(row[key])))
    } catch (error) {
      throw new ArchiveError(`${where()}: ${(error as Error).message}`)
    }
    if (line % 1000 === 0) tick(1000)
  }
  tick(line % 1000)
  if (line !== expected) throw new ArchiveError(`table ${table.name} (tables/${table.name}.jsonl) holds ${line} rows where the manifest says ${expected}: the archive is incomplete`)
}

/** The line of the archive a row came from: rows are written in key order, so its place in that order. */
function lineOf (sqlite: SQLite.Database, table: string, rowid: number | bigint | null): string {
  // Rows are inserted in the archive's order into an empty table, and written in key order: an
  // integer key is the rowid, any other rowid counts the insertions. Either way, rows up to it.
  if (rowid === null || archivedTables(sqlite).find(t => t.name === table)?.withoutRowid !== false) return ''
  return `, line ${Number((sqlite.prepare(`select count(*) as n from ${quoted(table)} where rowid <= ?`).get(rowid) as { n: number | bigint }).n)}`
}

/** Every stored file a row names must have come with the archive. */
function checkNamedFiles (sqlite: SQLite.Database, staging: string): void {
  for (const { table, column, folder } of FILE_COLUMNS) {
    if (!hasColumn(sqlite, table, column)) continue
    let missing: { id: number, name: string } | undefined
    for (const row of sqlite.prepare(`select rowid as id, ${quoted(column)} as name from ${quoted(table)} where ${quoted(column)} is not null`).iterate() as Iterable<{ id: number, name: string }>) {
      const file = safeRelativePath(`${folder}/${String(row.name)}`)
      if (file === null || !existsSync(path.join(staging, file))) {
        missing = row
        break
      }
    }
    if (missing !== undefined) {
      throw new ArchiveError(`table ${table} (tables/${table}.jsonl${lineOf(sqlite, table, missing.id)}): ${column} names ${folder}/${String(missing.name)}, which is not in the archive`)
    }
  }
}

function checkForeignKeys (sqlite: SQLite.Database): void {
  const broken = sqlite.prepare('pragma foreign_key_check').get() as { table: string, rowid: number | null, parent: string } | undefined
  if (broken !== undefined) {
    throw new ArchiveError(`table ${broken.table} (tables/${broken.table}.jsonl${lineOf(sqlite, broken.table, broken.rowid)}): refers to a row of ${broken.parent} that is not in the archive`)
  }
}

/** Moves what was extracted into the uploads folder: whole folders where there is none yet, else file by file. */
async function moveInto (from: string, to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true })
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name)
    const target = path.join(to, entry.name)
    if (entry.isDirectory() && existsSync(target)) await moveInto(source, target)
    else await fs.rename(source, target)
  }
}

/**
 * Imports an archive into an empty, migrated forum: every row with its own ids in one
 * transaction (foreign keys checked at the end), the files beside it, then the search index
 * built anew. Any failure up to the commit leaves the database and the uploads folder as they
 * were; after it, files are only renamed into place and the index is built (a start rebuilds
 * an unfinished one).
 */
export async function importForum (options: ImportOptions): Promise<Manifest> {
  const { sqlite } = options
  refuseUnlessEmpty(sqlite)
  let zip: yauzl.ZipFile
  try {
    zip = await yauzl.openPromise(options.file, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true })
  } catch (error) {
    throw new ArchiveError(`${options.file} is not a readable ZIP archive (${(error as Error).message})`)
  }
  const staging = path.join(options.uploadsDir, `.importing-${process.pid}`)
  const triggers = sqlite.prepare("select name, sql from sqlite_master where type = 'trigger' and sql is not null").all() as Array<{ name: string, sql: string }>
  try {
    const nextEntry = entryReader(zip)
    const next = async (): Promise<yauzl.Entry | null> => nextEntry().catch((error: Error) => {
      // yauzl refuses names that climb out of a folder or start at the root (zip-slip) before we see them.
      if (/relative path|absolute path|invalid characters/.test(error.message)) throw new ArchiveError(`The archive holds an entry that would land outside its folder (${error.message}): refused`)
      throw new ArchiveError(`The archive is damaged: ${error.message}`)
    })
    const manifest = await readManifest(zip, await next(), schemaVersion(sqlite))
    const tables = new Map(archivedTables(sqlite).map(table => [table.name, table]))
    const total = Object.values(manifest.tables).reduce((sum, n) => sum + n, 0) + manifest.files
    const progress = throttled(options.progress ?? (() => {}))
    let done = 0
    const tick = (n: number): void => { done += n; progress(done, total) }

    await fs.rm(staging, { recursive: true, force: true })
    await fs.mkdir(staging, { recursive: true })
    // Foreign keys are checked once, at the end (rows come table by table, and some refer both ways);
    // triggers stay quiet (rows arrive as they were; the search index is built afterwards).
    sqlite.pragma('foreign_keys = OFF')
    sqlite.exec('begin immediate')
    for (const trigger of triggers) sqlite.exec(`drop trigger ${quoted(trigger.name)}`)
    // What a started but empty forum may hold already (its cookie secret in settings) makes way for the archive's.
    for (const table of tables.values()) sqlite.exec(`delete from ${quoted(table.name)}`)

    const seen = new Set<string>()
    let files = 0
    try {
      for (let entry = await next(); entry !== null; entry = await next()) {
        const name = entry.fileName
        if (name.endsWith('/')) continue
        const tableName = /^tables\/([^/]+)\.jsonl$/.exec(name)?.[1]
        if (tableName !== undefined) {
          const table = tables.get(tableName)
          if (table === undefined) throw new ArchiveError(`The archive holds a table ${tableName} that this Kring does not have`)
          if (!(tableName in manifest.tables)) throw new ArchiveError(`The archive holds a table ${tableName} that its manifest does not list`)
          if (seen.has(tableName)) throw new ArchiveError(`The archive holds table ${tableName} twice`)
          seen.add(tableName)
          await importTable(sqlite, linesOf(await openEntry(zip, entry)), table, manifest.tables[tableName], tick)
        } else if (name.startsWith('uploads/')) {
          const relative = safeRelativePath(name.slice('uploads/'.length))
          // Only the folders rows name files in: nothing else lands beside the uploads.
          if (relative !== null && !FILE_FOLDERS.has(relative.split('/')[0])) throw new ArchiveError(`The archive holds "${name}", outside the folders of uploaded files: refused`)
          if (relative === null) throw new ArchiveError(`The archive holds an entry "${name}" that would land outside the uploads folder: refused`)
          await fs.mkdir(path.dirname(path.join(staging, relative)), { recursive: true })
          await pipeline(await openEntry(zip, entry), createWriteStream(path.join(staging, relative), { flags: 'wx' }))
          files++
          tick(1)
        } else {
          throw new ArchiveError(`The archive holds "${name}", which is not part of a Kring forum archive`)
        }
      }
    } catch (error) {
      if (error instanceof ArchiveError) throw error
      // A full disk or a folder Kring may not write to is not the archive's fault.
      if ((error as NodeJS.ErrnoException).syscall !== undefined) throw new ArchiveError(`Writing the files to ${options.uploadsDir} failed: ${(error as Error).message}`)
      throw new ArchiveError(`The archive is damaged: ${(error as Error).message}`)
    }
    const missing = Object.keys(manifest.tables).find(table => !seen.has(table))
    if (missing !== undefined) throw new ArchiveError(`The archive is incomplete: tables/${missing}.jsonl is missing`)
    if (files !== manifest.files) throw new ArchiveError(`The archive holds ${files} files where the manifest says ${manifest.files}`)
    checkNamedFiles(sqlite, staging)
    checkForeignKeys(sqlite)
    for (const trigger of triggers) sqlite.exec(trigger.sql)
    sqlite.exec('commit')
    await moveInto(staging, options.uploadsDir)
    buildSearchIndex(sqlite, options.locale, options.indexProgress ?? (() => {}))
    return manifest
  } finally {
    if (sqlite.inTransaction) sqlite.exec('rollback')
    sqlite.pragma('foreign_keys = ON')
    zip.close()
    await fs.rm(staging, { recursive: true, force: true })
  }
}
