import type { Locale } from '../config.js'
import { fold, stem } from './text.js'

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, ch => `&#${ch.charCodeAt(0)};`)

/** The post as readable text: Markdown's marks and link targets left out. */
function plain (markdown: string): string {
  return markdown.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[*_`#>~|]+/g, ' ').replace(/\s+/g, ' ').trim()
}

/**
 * A short piece of a post around the first word found, as safe HTML: built from the text,
 * escaped piece by piece, the words found in <mark> (never stored HTML cut in a tag).
 */
export function snippet (markdown: string, highlight: { stems: string[], prefixes: string[] }, locale: Locale, length = 220): string {
  const text = plain(markdown)
  const stems = new Set(highlight.stems)
  const matches = (word: string): boolean => {
    const folded = fold(word)
    return stems.has(stem(folded, locale)) || highlight.prefixes.some(prefix => folded.startsWith(prefix))
  }
  const found: Array<[number, number]> = []
  for (const match of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    if (matches(match[0])) found.push([match.index, match.index + match[0].length])
  }
  const first = found[0]?.[0] ?? 0
  const start = Math.max(0, Math.min(first - 60, text.length - length))
  const boundary = start === 0 ? 0 : text.indexOf(' ', start) + 1
  const end = Math.min(text.length, boundary + length)
  let html = boundary > 0 ? '… ' : ''
  let at = boundary
  for (const [from, to] of found) {
    if (to <= boundary || from >= end) continue
    html += escapeHtml(text.slice(at, from)) + `<mark>${escapeHtml(text.slice(from, to))}</mark>`
    at = to
  }
  html += escapeHtml(text.slice(at, end)) + (end < text.length ? ' …' : '')
  return html
}
