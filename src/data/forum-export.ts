import { createWriteStream, promises as fs } from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import SQLite from 'better-sqlite3'
import yazl from 'yazl'
import { ARCHIVE_FORMAT, ARCHIVE_VERSION, ArchiveError, archivedTables, encodeValue, namedFilesQuery, quoted, safeRelativePath, schemaVersion, throttled, type Manifest, type TableShape } from './archive-format.js'

export interface ExportOptions {
  databaseFile: string
  uploadsDir: string
  /** The archive to write; it must not exist yet. */
  file: string
  progress?: (done: number, total: number) => void
}

/** About 64 KB of JSON lines per chunk handed to the ZIP writer. */
const CHUNK = 64 * 1024

/** A table's rows as JSON lines, read on demand from the snapshot as the ZIP writer asks for more. */
function * tableLines (sqlite: SQLite.Database, table: TableShape, tick: (rows: number) => void): Generator<Buffer> {
  const select = sqlite.prepare(`select ${table.columns.map(quoted).join(', ')} from ${quoted(table.name)} order by ${table.order}`)
  let text = ''
  let rows = 0
  for (const row of select.iterate() as Iterable<Record<string, unknown>>) {
    const line: Record<string, unknown> = {}
    for (const column of table.columns) line[column] = encodeValue(row[column])
    text += JSON.stringify(line) + '\n'
    rows++
    if (text.length >= CHUNK) {
      yield Buffer.from(text)
      text = ''
      tick(rows)
      rows = 0
    }
  }
  if (text !== '') yield Buffer.from(text)
  tick(rows)
}

/**
 * Writes the whole forum to one ZIP archive, streaming: rows are read from one read
 * transaction on a connection of its own (a consistent snapshot while the forum keeps
 * writing), files one at a time. Written to FILE.partial and renamed when complete.
 */
export async function exportForum (options: ExportOptions): Promise<Manifest> {
  const partial = `${options.file}.partial`
  const sqlite = new SQLite(options.databaseFile, { readonly: true, fileMustExist: true })
  sqlite.defaultSafeIntegers(true)
  let done = 0
  try {
    sqlite.exec('begin')
    const tables = archivedTables(sqlite)
    const counts: Record<string, number> = {}
    for (const table of tables) counts[table.name] = Number((sqlite.prepare(`select count(*) as n from ${quoted(table.name)}`).get() as { n: bigint }).n)
    const filesQuery = namedFilesQuery(sqlite)
    // Only the names (yazl keeps an entry per file for the central directory anyway), never the contents.
    const files = filesQuery === null ? [] : (sqlite.prepare(filesQuery).pluck().all() as string[])
    const manifest: Manifest = { format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, schema: schemaVersion(sqlite), created_at: new Date().toISOString(), tables: counts, files: files.length }
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0) + files.length
    const progress = throttled(options.progress ?? (() => {}))
    const tick = (n: number): void => { done += n; progress(done, total) }

    const zip = new yazl.ZipFile()
    const failed = new Promise<never>((_resolve, reject) => zip.on('error', error => {
      reject(error)
      ;(zip.outputStream as Readable).destroy()
    }))
    const written = pipeline(zip.outputStream, createWriteStream(partial))
    zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 2) + '\n'), 'manifest.json')
    for (const table of tables) {
      zip.addReadStreamLazy(`tables/${table.name}.jsonl`, callback => callback(null, Readable.from(tableLines(sqlite, table, tick), { objectMode: false })))
    }
    for (const file of files) {
      if (safeRelativePath(file) === null) throw new ArchiveError(`The database names a stored file "${file}" outside the uploads folder`)
      // Files are mostly compressed already (images, PDF, Office): stored as they are.
      zip.addReadStreamLazy(`uploads/${file}`, { compress: false }, callback => {
        fs.open(path.join(options.uploadsDir, file)).then(handle => {
          tick(1)
          callback(null, handle.createReadStream())
        }, () => callback(new ArchiveError(`${file} is named in the database but missing from ${options.uploadsDir}`), null as never))
      })
    }
    zip.end()
    await Promise.race([written, failed])
    sqlite.exec('commit')
    await fs.rename(partial, options.file)
    return manifest
  } catch (error) {
    await fs.rm(partial, { force: true })
    throw error
  } finally {
    sqlite.close()
  }
}
