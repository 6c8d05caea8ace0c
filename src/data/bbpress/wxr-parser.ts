import { createReadStream, statSync } from 'node:fs'
import { SaxesParser } from 'saxes'

/**
 * Reads a WordPress export (WXR: RSS 2.0 with the `wp:` elements of export/1.x) as a stream, with
 * line numbers, keeping only what a bbPress forum is made of: its authors and its forum, topic
 * and reply items. saxes never expands a DTD's entities; a WXR never has a DOCTYPE, so one is
 * refused before anything else is read (no XML bomb, no external entity).
 */

export type ItemType = 'forum' | 'topic' | 'reply'

export interface WxrAuthor {
  login: string
  email: string
  displayName: string
  line: number
}

export interface WxrItem {
  type: ItemType
  id: number
  parent: number
  title: string
  /** The item's old address (`<link>`), whose path is kept as a legacy path. */
  link: string
  slug: string
  /** Milliseconds since the epoch, from post_date_gmt (or post_date when the GMT date is empty). */
  date: number
  status: string
  menuOrder: number
  creator: string
  /** The HTML as UTF-8 bytes: outside the JavaScript heap, so a large export fits where its text would not. */
  content: Buffer
  /** Only the bbPress meta the import reads (see META_KEPT). */
  meta: Map<string, string>
  line: number
}

export interface WxrExport {
  /** The old site's address (base_site_url, else the channel's link): where its ids belong. */
  site: string
  authors: WxrAuthor[]
  items: WxrItem[]
  /** Items skipped while reading (and why), with the line each began on. */
  problems: Array<{ line: number, message: string }>
}

/** The file cannot be read as a WordPress export at all: nothing of it is imported. */
export class WxrRefused extends Error {}

const ITEM_TYPES = new Set<string>(['forum', 'topic', 'reply'])
const META_KEPT = new Set(['_bbp_forum_id', '_bbp_topic_id', '_bbp_sticky_topics', '_bbp_super_sticky_topics', '_bbp_forum_visibility'])
/** No field of a forum post is longer; a longer one is dropped rather than held. */
const MAX_FIELD = 1024 * 1024

/** "2019-03-04 10:11:12" (UTC) → ms; NaN for WordPress's empty "0000-00-00 00:00:00". */
function wordpressDate (text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text.trim())
  if (!match || match[1] === '0000') return NaN
  const [, y, mo, d, h, mi, s] = match.map(Number)
  return Date.UTC(y, mo - 1, d, h, mi, s)
}

interface Draft { fields: Map<string, string>, meta: Map<string, string>, line: number, tooLong: boolean }

export async function parseWxr (file: string, progress: (done: number, total: number) => void = () => {}): Promise<WxrExport> {
  const total = statSync(file).size
  if (total === 0) throw new WxrRefused('the file is empty: not a WordPress export')
  const parser = new SaxesParser({ fileName: file, position: true, xmlns: false })
  const result: WxrExport = { site: '', authors: [], items: [], problems: [] }
  const stack: string[] = []
  let text = ''
  let draft: Draft | null = null
  let author: Map<string, string> | null = null
  let authorLine = 0
  let metaKey = ''
  let metaValue = ''
  let channelLink = ''

  parser.on('doctype', () => {
    throw new WxrRefused(`line ${parser.line}: a DOCTYPE is not part of a WordPress export (its entities are never read): refused`)
  })
  parser.on('error', error => {
    // saxes says "FILE:LINE:COLUMN: message"; the file is named already.
    const where = /:(\d+):(\d+): ([^]*)$/.exec(error.message)
    throw new WxrRefused(where ? `not a well-formed XML file: line ${where[1]}, column ${where[2]}: ${where[3]}` : `not a well-formed XML file: ${error.message}`)
  })
  parser.on('opentag', tag => {
    if (stack.length === 0 && tag.name !== 'rss') throw new WxrRefused(`line ${parser.line}: the file begins with <${tag.name}>, not <rss>: not a WordPress export`)
    stack.push(tag.name)
    text = ''
    if (tag.name === 'item' && stack.length === 3) draft = { fields: new Map(), meta: new Map(), line: parser.line, tooLong: false }
    else if (tag.name === 'wp:author' && stack.length === 3) { author = new Map(); authorLine = parser.line }
    else if (tag.name === 'wp:postmeta') { metaKey = ''; metaValue = '' }
  })
  const addText = (chunk: string): void => {
    if (text.length + chunk.length > MAX_FIELD) {
      if (draft) draft.tooLong = true
      return
    }
    text += chunk
  }
  parser.on('text', addText)
  parser.on('cdata', addText)
  parser.on('closetag', tag => {
    const depth = stack.length
    stack.pop()
    const parent = stack[stack.length - 1]
    if (draft !== null) {
      if (tag.name === 'item' && depth === 3) {
        keepItem(draft, result)
        draft = null
      } else if (tag.name === 'wp:meta_key') metaKey = text.trim()
      else if (tag.name === 'wp:meta_value') metaValue = text
      else if (tag.name === 'wp:postmeta' && META_KEPT.has(metaKey)) draft.meta.set(metaKey, metaValue)
      else if (parent === 'item') draft.fields.set(tag.name, text)
    } else if (author !== null) {
      if (tag.name === 'wp:author') {
        result.authors.push({ login: (author.get('wp:author_login') ?? '').trim(), email: (author.get('wp:author_email') ?? '').trim(), displayName: (author.get('wp:author_display_name') ?? '').trim(), line: authorLine })
        author = null
      } else author.set(tag.name, text)
    } else if (parent === 'channel') {
      if (tag.name === 'wp:base_site_url') result.site = text.trim()
      else if (tag.name === 'link') channelLink = text.trim()
    }
    text = ''
  })

  let done = 0
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 })
  try {
    for await (const chunk of stream) {
      parser.write(chunk as string)
      done += Buffer.byteLength(chunk as string)
      progress(Math.min(done, total), total)
    }
    parser.close()
  } finally {
    stream.destroy()
  }
  result.site = (result.site || channelLink).replace(/\/+$/, '')
  if (result.site === '') throw new WxrRefused('no <wp:base_site_url> or channel <link>: not a WordPress export')
  if (done < total) progress(total, total)
  return result
}

function keepItem (draft: Draft, result: WxrExport): void {
  const field = (name: string): string => draft.fields.get(name) ?? ''
  const type = field('wp:post_type').trim()
  if (!ITEM_TYPES.has(type)) return
  const id = Number(field('wp:post_id').trim())
  if (!Number.isSafeInteger(id) || id <= 0) {
    result.problems.push({ line: draft.line, message: `a ${type} without a valid <wp:post_id>: skipped` })
    return
  }
  if (draft.tooLong) {
    result.problems.push({ line: draft.line, message: `${type} ${id}: a field longer than ${MAX_FIELD} characters: skipped` })
    return
  }
  let date = wordpressDate(field('wp:post_date_gmt'))
  if (Number.isNaN(date)) date = wordpressDate(field('wp:post_date'))
  if (Number.isNaN(date)) date = Date.parse(field('pubDate'))
  if (Number.isNaN(date)) {
    result.problems.push({ line: draft.line, message: `${type} ${id}: no date: skipped` })
    return
  }
  result.items.push({
    type: type as ItemType,
    id,
    parent: Number(field('wp:post_parent').trim()) || 0,
    title: field('title').trim(),
    link: field('link').trim(),
    slug: field('wp:post_name').trim(),
    date,
    status: field('wp:status').trim(),
    menuOrder: Number(field('wp:menu_order').trim()) || 0,
    creator: field('dc:creator').trim(),
    content: Buffer.from(field('content:encoded'), 'utf8'),
    meta: draft.meta,
    line: draft.line
  })
}
