import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Upload } from './uploads.js'

/** At most this many files go with one post. */
export const MAX_FILES = 5

/**
 * What may be attached, by the type its content shows (never by its name): documents and
 * images, each with the kind a page names it by (the locale key upload.kind.KIND).
 */
const ALLOWED: Record<string, { mime: string, kind: string }> = {
  pdf: { mime: 'application/pdf', kind: 'pdf' },
  docx: { mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', kind: 'word' },
  xlsx: { mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', kind: 'excel' },
  pptx: { mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', kind: 'powerpoint' },
  odt: { mime: 'application/vnd.oasis.opendocument.text', kind: 'opendocument' },
  ods: { mime: 'application/vnd.oasis.opendocument.spreadsheet', kind: 'opendocument' },
  odp: { mime: 'application/vnd.oasis.opendocument.presentation', kind: 'opendocument' },
  doc: { mime: 'application/msword', kind: 'word' },
  xls: { mime: 'application/vnd.ms-excel', kind: 'excel' },
  ppt: { mime: 'application/vnd.ms-powerpoint', kind: 'powerpoint' },
  txt: { mime: 'text/plain; charset=utf-8', kind: 'text' },
  csv: { mime: 'text/csv; charset=utf-8', kind: 'csv' },
  png: { mime: 'image/png', kind: 'image' },
  jpg: { mime: 'image/jpeg', kind: 'image' },
  webp: { mime: 'image/webp', kind: 'image' },
  gif: { mime: 'image/gif', kind: 'image' }
}

const baseType = (mime: string): string => mime.split(';')[0]
const KIND_OF_TYPE = new Map(Object.values(ALLOWED).map(({ mime, kind }) => [baseType(mime), kind]))

/** The kind of a stored file's type ("word", "image"…), for its name on a page; "file" for any other. */
export function fileKind (mime: string): string {
  return KIND_OF_TYPE.get(baseType(mime)) ?? (mime.startsWith('image/') ? 'image' : 'file')
}

export interface JudgedFile { ext: string, mime: string, image: boolean, name: string, data: Buffer }

export class DocumentError extends Error {}

function extensionOf (name: string): string {
  return /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1].toLowerCase() ?? ''
}

/**
 * The name shown and offered on download: no folders (`../`), no control, NUL or
 * direction-changing characters, at most 120 characters, ending in the extension of the
 * type the content has (a "foto.pdf" that is a PNG becomes "foto.png").
 */
export function cleanFileName (typed: string, ext: string): string {
  // Browsers send a double quote in a file name as %22 (HTML's multipart encoding).
  const base = typed.replace(/%22/g, '"').split(/[/\\]/).pop() ?? ''
  const clean = base.normalize('NFC').replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '').replace(/^[\s.]+|[\s.]+$/g, '')
  const stem = clean.replace(/\.[A-Za-z0-9]{1,8}$/, '')
  const short = [...stem].slice(0, 120 - ext.length - 1).join('').trim()
  return `${short === '' ? 'bestand' : short}.${ext}`
}

/** Plain text: valid UTF-8 without NUL bytes. */
function isText (data: Buffer): boolean {
  if (data.includes(0)) return false
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data)
    return true
  } catch {
    return false
  }
}

/**
 * Judges an upload by its content: an allowed type, not empty, within the size limit. Old
 * Office files (a Compound File) count by their name's extension; text needs .txt or .csv.
 * A ZIP-based document is judged by its first entries and never unpacked here.
 */
export async function judgeFile (upload: Upload, maxBytes: number): Promise<JudgedFile> {
  if (upload.data.length === 0) throw new DocumentError('upload.empty')
  if (upload.truncated || upload.data.length > maxBytes) throw new DocumentError('upload.too_large')
  const { fileTypeFromBuffer } = await import('file-type')
  const detected = await fileTypeFromBuffer(upload.data)
  const named = extensionOf(upload.filename)
  let ext: string | undefined
  if (detected === undefined) ext = (named === 'txt' || named === 'csv') && isText(upload.data) ? named : undefined
  else if (detected.ext === 'cfb') ext = ['doc', 'xls', 'ppt'].includes(named) ? named : undefined
  else ext = detected.ext in ALLOWED ? detected.ext : undefined
  if (ext === undefined) throw new DocumentError('upload.type')
  const allowed = ALLOWED[ext]
  return { ext, mime: allowed.mime, image: allowed.kind === 'image', name: cleanFileName(upload.filename, ext), data: upload.data }
}

export interface StoredFile { storedName: string, thumbName: string | null, name: string, mime: string, size: number }

/**
 * Writes a judged file under `dir` by a generated name; an image must also open as one, and
 * gets a small WebP thumbnail (which is all a page ever shows of it inline).
 */
export async function storeFile (dir: string, file: JudgedFile): Promise<StoredFile> {
  await fs.mkdir(dir, { recursive: true })
  const id = randomBytes(16).toString('hex')
  let thumbName: string | null = null
  if (file.image) {
    const { default: sharp } = await import('sharp')
    let thumb: Buffer
    try {
      thumb = await sharp(file.data, { limitInputPixels: 40_000_000, failOn: 'error', animated: false }).rotate()
        .resize(320, 320, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer()
    } catch {
      throw new DocumentError('upload.type')
    }
    thumbName = `${id}.thumb.webp`
    await fs.writeFile(path.join(dir, thumbName), thumb)
  }
  const storedName = `${id}.${file.ext}`
  await fs.writeFile(path.join(dir, storedName), file.data)
  return { storedName, thumbName, name: file.name, mime: file.mime, size: file.data.length }
}

/** Removes stored files (a post that was not written after all, or a removed post). */
export async function removeFiles (dir: string, files: Array<Pick<StoredFile, 'storedName' | 'thumbName'>>): Promise<void> {
  for (const file of files) {
    await fs.rm(path.join(dir, file.storedName), { force: true })
    if (file.thumbName !== null) await fs.rm(path.join(dir, file.thumbName), { force: true })
  }
}

/** RFC 6266: an ASCII fallback and the UTF-8 name for names with é, spaces or quotes. */
export function contentDisposition (kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["\\%]/g, '_') || 'bestand'
  const encoded = encodeURIComponent(name).replace(/['()*]/g, ch => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`
}
