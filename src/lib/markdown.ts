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

/** Lower-cased names mentioned with @name outside code and links. */
export function findMentions (source: string): string[] {
  return [...new Set(mentionTokens(lex(source)).map(token => token.name))]
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

/**
 * Quotes and lists nested thousands deep on one line ("> > > …", "- - - …") exhaust the
 * parser's stack; nobody writes more than a few levels, so deeper markers become text.
 */
export function limitNesting (source: string): string {
  let inFence = false
  return source.split('\n').map(line => {
    if (/^[ \t]{0,3}(?:```|~~~)/.test(line)) inFence = !inFence
    if (inFence) return line
    const prefix = CONTAINER_PREFIX.exec(line)?.[0]
    const markers = prefix?.match(CONTAINER_MARKER)
    if (!prefix || !markers || markers.length <= MAX_NESTING) return line
    const kept = prefix.slice(0, prefix.length - markers.slice(MAX_NESTING).join('').length)
    return kept + line.slice(kept.length).replace(/[>*+-]|(?<=\d)[.)]/g, ch => `\\${ch}`)
  }).join('\n')
}

function lex (source: string): Token[] {
  return marked.lexer(limitNesting(source))
}

/** Markdown → safe HTML, done once when a post is written. */
export function renderPost (source: string, options: RenderOptions): string {
  const tokens = lex(source)
  for (const mention of mentionTokens(tokens)) mention.username = options.members.get(mention.name) ?? null
  return sanitizePostHtml(marked.parser(tokens), options.trusted)
}

/** Links in rendered post HTML that lead elsewhere (links to members' profiles, as mentions make, are not counted). */
export function countLinks (html: string): number {
  return [...html.matchAll(/<a\s[^>]*href="([^"]*)"/g)].filter(match => !match[1].startsWith('/user/')).length
}
