import { Marked, type Tokens } from 'marked'
import sanitizeHtml from 'sanitize-html'

const USERNAME = /^@([A-Za-z0-9_][A-Za-z0-9_.-]{1,28}[A-Za-z0-9_])/

/** `@name` preceded by the start or a non-word character: mail addresses are not mentions. */
export function findMentions (source: string): string[] {
  const names = new Set<string>()
  for (const match of source.matchAll(/(?:^|[^\w.@/-])@([A-Za-z0-9_][A-Za-z0-9_.-]{1,28}[A-Za-z0-9_])/g)) {
    names.add(match[1].toLowerCase())
  }
  return [...names]
}

export interface RenderOptions {
  /** lower-cased username → username as registered, for mentions that become profile links */
  members: Map<string, string>
  /** bijdragers and up are trusted: their links drop nofollow */
  trusted: boolean
}

function markedFor (members: Map<string, string>): Marked {
  return new Marked({
    gfm: true,
    breaks: true,
    extensions: [{
      name: 'mention',
      level: 'inline',
      start (src: string) {
        const match = /(?:^|[^\w.@/-])@[A-Za-z0-9_]/.exec(src)
        return match ? match.index + match[0].indexOf('@') : undefined
      },
      tokenizer (src: string) {
        const match = USERNAME.exec(src)
        if (!match || !members.has(match[1].toLowerCase())) return undefined
        return { type: 'mention', raw: match[0], username: members.get(match[1].toLowerCase()) }
      },
      renderer (token: Tokens.Generic) {
        const name = encodeURIComponent(token.username as string)
        return `<a class="mention" href="/user/${name}">@${escapeText(token.username as string)}</a>`
      }
    }]
  })
}

function escapeText (text: string): string {
  return text.replace(/[&<>"']/g, ch => `&#${ch.charCodeAt(0)};`)
}

function sanitizeOptions (trusted: boolean): sanitizeHtml.IOptions {
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
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    transformTags: {
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, rel: trusted ? 'ugc noopener' : 'nofollow ugc noopener' }
      })
    }
  }
}

const sanitizers = { trusted: sanitizeOptions(true), untrusted: sanitizeOptions(false) }

/** The one gate between typed HTML and a page; running it again on its own output changes nothing. */
export function sanitizePostHtml (html: string, trusted: boolean): string {
  return sanitizeHtml(html, trusted ? sanitizers.trusted : sanitizers.untrusted)
}

/** Markdown → safe HTML, done once when a post is written. */
export function renderPost (source: string, options: RenderOptions): string {
  const html = markedFor(options.members).parse(source, { async: false }) as string
  return sanitizePostHtml(html, options.trusted)
}
