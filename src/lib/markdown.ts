import { Marked, type Token, type Tokens } from 'marked'
import sanitizeHtml from 'sanitize-html'

const MENTION = /^@([A-Za-z0-9_][A-Za-z0-9_.-]{1,28}[A-Za-z0-9_])/

interface MentionToken extends Tokens.Generic {
  type: 'mention'
  name: string
  /** The member's username as registered, once looked up; null when no such member. */
  username?: string | null
}

function escapeText (text: string): string {
  return text.replace(/[&<>"']/g, ch => `&#${ch.charCodeAt(0)};`)
}

// One parser for every post: mentions are tokens, so code spans, links and mail addresses
// are left alone, and what is linked is exactly what is found.
const marked = new Marked({
  gfm: true,
  breaks: true,
  extensions: [{
    name: 'mention',
    level: 'inline',
    start (src: string) {
      const at = src.indexOf('@')
      return at === -1 ? undefined : at
    },
    tokenizer (src: string, tokens: Token[]) {
      const match = MENTION.exec(src)
      if (!match || this.lexer.state.inLink) return undefined
      // "jan@example.org" and "foo@jan" are not mentions: the @ must follow a non-word character.
      const before = tokens.at(-1)?.raw.at(-1)
      if (before !== undefined && /[\w.@/-]/.test(before)) return undefined
      return { type: 'mention', raw: match[0], name: match[1].toLowerCase() } satisfies MentionToken
    },
    renderer (token: Tokens.Generic) {
      const { username, raw } = token as MentionToken
      if (!username) return escapeText(raw)
      return `<a class="mention" href="/user/${encodeURIComponent(username)}">@${escapeText(username)}</a>`
    }
  }]
})

function mentionTokens (tokens: Token[]): MentionToken[] {
  const found: MentionToken[] = []
  marked.walkTokens(tokens, token => { if (token.type === 'mention') found.push(token as MentionToken) })
  return found
}

/**
 * Lower-cased names that may be mentions: a linear scan, no parse. It finds every name the
 * parser will (and more, in code and links), so the members to look up are known before parsing.
 */
export function mentionCandidates (source: string): string[] {
  const names = new Set<string>()
  for (const match of source.matchAll(new RegExp(MENTION.source.slice(1), 'g'))) names.add(match[1].toLowerCase())
  return [...names]
}

export interface RenderOptions {
  /** lower-cased username → username as registered, for mentions that become profile links */
  members: Map<string, string>
  /** bijdragers and up are trusted: their links drop nofollow */
  trusted: boolean
}

function sanitizeOptions (trusted: boolean): sanitizeHtml.IOptions {
  const rel = trusted ? 'ugc noopener' : 'nofollow ugc noopener'
  return {
    allowedTags: [
      'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'code',
      'em', 'strong', 'del', 's', 'sup', 'sub', 'ul', 'ol', 'li', 'a', 'img',
      'table', 'thead', 'tbody', 'tr', 'th', 'td'
    ],
    allowedAttributes: {
      a: ['href', 'title', 'rel', 'class'],
      img: ['src', 'alt', 'title'],
      ol: ['start'],
      code: ['class'],
      th: ['align'],
      td: ['align']
    },
    allowedClasses: { a: ['mention'], code: ['language-*'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel } }),
      // The CSP shows only our own images; an image from elsewhere becomes a link to it.
      img: (tagName, attribs) => attribs.src?.startsWith('/') && !attribs.src.startsWith('//')
        ? { tagName, attribs }
        : { tagName: 'a', attribs: { href: attribs.src ?? '', rel }, text: attribs.alt || attribs.src || '' }
    }
  }
}

const sanitizers = { trusted: sanitizeOptions(true), untrusted: sanitizeOptions(false) }

/**
 * The one gate between typed HTML and a page. A second pass settles nesting that the first
 * pass left for a browser to reinterpret (a <p> around a removed block), so running it
 * again on its own output changes nothing.
 */
export function sanitizePostHtml (html: string, trusted: boolean): string {
  const options = trusted ? sanitizers.trusted : sanitizers.untrusted
  return sanitizeHtml(sanitizeHtml(html, options), options)
}

const MAX_NESTING = 16
const CONTAINER_PREFIX = /^[ \t]*(?:(?:>|[-+*]|\d{1,9}[.)])[ \t]*)+/
const CONTAINER_MARKER = /(?:>|[-+*]|\d{1,9}[.)])[ \t]*/g
/** Columns of indentation kept; deeper lines nest no further (about sixteen list levels). */
const MAX_INDENT = 32
/** Emphasis delimiter runs (`*`, `_`) in one block before they are taken as text: the parser's cost grows with their square. */
const MAX_EMPHASIS_RUNS = 1000

function escapeMarkers (line: string, from: number): string {
  return line.slice(0, from) + line.slice(from).replace(/[>*+-]|(?<=\d)[.)]/g, ch => `\\${ch}`)
}

function indentWidth (whitespace: string): number {
  let width = 0
  for (const ch of whitespace) width = ch === '\t' ? width + 4 - (width % 4) : width + 1
  return width
}

/**
 * Shapes that cost the parser more than their length, made harmless before parsing:
 * quotes and lists nested thousands deep on one line ("> > > …") or by ever deeper
 * indentation exhaust its stack, and thousands of unmatched `_` and `*` in one block take
 * quadratic time (marked#4099). Nobody writes those on purpose; they become text.
 */
export function defuse (source: string): string {
  let inFence = false
  const lines = source.split('\n').map(line => {
    if (/^[ \t]{0,3}(?:```|~~~)/.test(line)) inFence = !inFence
    if (inFence) return line
    const indent = /^[ \t]*/.exec(line)![0]
    if (indentWidth(indent) > MAX_INDENT) line = ' '.repeat(MAX_INDENT) + line.slice(indent.length)
    const prefix = CONTAINER_PREFIX.exec(line)?.[0]
    const markers = prefix?.match(CONTAINER_MARKER)
    if (!prefix || !markers || markers.length <= MAX_NESTING) return line
    return escapeMarkers(line, prefix.length - markers.slice(MAX_NESTING).join('').length)
  })
  return limitEmphasis(lines.join('\n'))
}

/** In a block (text between blank lines) with too many emphasis runs, `*` and `_` outside code spans become text. */
function limitEmphasis (source: string): string {
  return source.split(/(\n[ \t]*\n)/).map(block => {
    const runs = block.match(/[*_]+/g)
    if (runs === null || runs.length <= MAX_EMPHASIS_RUNS) return block
    return block.split(/(`+[^`]*`+)/).map((part, i) => i % 2 === 1 ? part : part.replace(/\\[^]|[*_]/g, ch => ch.length === 2 ? ch : `\\${ch}`)).join('')
  }).join('')
}

export interface Rendered {
  html: string
  /** Members mentioned with @name outside code and links, as registered. */
  mentions: string[]
}

/** Markdown → safe HTML, done once when a post is written; one parse gives both the HTML and the mentions. */
export function renderMarkdown (source: string, options: RenderOptions): Rendered {
  const tokens = marked.lexer(defuse(source))
  const mentions = new Set<string>()
  for (const mention of mentionTokens(tokens)) {
    mention.username = options.members.get(mention.name) ?? null
    if (mention.username) mentions.add(mention.username)
  }
  return { html: sanitizePostHtml(marked.parser(tokens), options.trusted), mentions: [...mentions] }
}

export function renderPost (source: string, options: RenderOptions): string {
  return renderMarkdown(source, options).html
}

/** Links in rendered post HTML that lead elsewhere (links to members' profiles, as mentions make, are not counted). */
export function countLinks (html: string): number {
  return [...html.matchAll(/<a\s[^>]*href="([^"]*)"/g)].filter(match => !match[1].startsWith('/user/')).length
}
