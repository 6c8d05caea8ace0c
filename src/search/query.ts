import type { Locale } from '../config.js'
import { fold, searchWords, stem, words } from './text.js'

/**
 * One thing to look for, as PostgreSQL's index is asked (it stems there): words folded, without
 * stopwords, not stemmed (several make a phrase), or a folded prefix of a stem.
 */
export type SearchTerm = { words: string[] } | { prefix: string }

/** A search as typed, understood: an FTS5 expression that can never be a syntax error, the filters, and what to highlight. */
export interface ParsedQuery {
  /** null: nothing to look for (no positive word). */
  match: string | null
  /** The same search for PostgreSQL: posts with every term of `include` and none of `exclude`. */
  terms: { include: SearchTerm[], exclude: SearchTerm[] }
  author: string | null
  forum: string | null
  titleOnly: boolean
  before: number | null
  after: number | null
  /** False when ranking would cost more than it is worth: a short prefix stands for too many words. Such a search comes newest first. */
  rankable: boolean
  /** Stems and prefixes to mark in snippets. */
  highlight: { stems: string[], prefixes: string[] }
}

const MAX_QUERY = 500
const MAX_TERMS = 20
/** Shorter prefixes would match half the index (there is no prefix index: it would double its size). */
const MIN_PREFIX = 3
const RANKED_PREFIX = 5

/** "2026-01-31" → that day's start (UTC); null when not a real date. */
function day (text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null
  const ms = Date.parse(`${text}T00:00:00Z`)
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text ? null : ms
}

/**
 * Understands `"een zin"`, `woo*`, `-woord`, `@naam`, `in:forum-slug`, `in:titel`,
 * `voor:2026-01-31`, `na:2026-01-01`. Every word becomes a quoted FTS5 string of letters and
 * digits only, so nothing typed (quotes, brackets, NEAR, `*`, `col:`) reaches FTS5 as syntax.
 */
export function parseQuery (typed: string, locale: Locale): ParsedQuery {
  const parsed: ParsedQuery = { match: null, terms: { include: [], exclude: [] }, author: null, forum: null, titleOnly: false, before: null, after: null, rankable: true, highlight: { stems: [], prefixes: [] } }
  const text = typed.slice(0, MAX_QUERY)
  const positive: string[] = []
  const negative: string[] = []
  const quote = (items: string[]): string => `"${items.join(' ')}"`
  for (const [, phrase, token] of text.matchAll(/"([^"]*)"?|(\S+)/g)) {
    if (positive.length + negative.length >= MAX_TERMS) break
    if (phrase !== undefined) {
      const found = searchWords(phrase, locale)
      const stems = found.map(word => stem(word, locale))
      if (stems.length > 0) { positive.push(quote(stems)); parsed.terms.include.push({ words: found }) }
      parsed.highlight.stems.push(...stems)
      continue
    }
    const lower = token.toLowerCase()
    if (lower.startsWith('@') && lower.length > 1) { parsed.author = token.slice(1); continue }
    if (lower === 'in:titel' || lower === 'in:title' || lower === 'in:rubrik') { parsed.titleOnly = true; continue }
    if (lower.startsWith('in:') && /^in:[a-z0-9-]{1,100}$/.test(lower)) { parsed.forum = lower.slice(3); continue }
    const date = /^(voor|before|före|na|after|efter):(.*)$/.exec(lower)
    if (date) {
      const ms = day(date[2])
      if (ms !== null) {
        if (['voor', 'before', 'före'].includes(date[1])) parsed.before = ms
        else parsed.after = ms + 24 * 3600_000
      }
      continue
    }
    const negated = token.startsWith('-') && token.length > 1
    const prefix = token.endsWith('*')
    const found = words(negated ? token.slice(1) : token)
    if (found.length === 0) continue
    if (prefix && found.length === 1) {
      const start = fold(found[0])
      if (start.length < MIN_PREFIX) continue
      ;(negated ? negative : positive).push(`"${start}"*`)
      parsed.terms[negated ? 'exclude' : 'include'].push({ prefix: start })
      if (!negated) parsed.highlight.prefixes.push(start)
      // bm25 first counts every post holding any word with this prefix: for "ver*" that doubles the time.
      if (!negated && start.length < RANKED_PREFIX) parsed.rankable = false
      continue
    }
    const searched = searchWords(negated ? token.slice(1) : token, locale)
    const stems = searched.map(word => stem(word, locale))
    if (stems.length === 0) continue
    ;(negated ? negative : positive).push(quote(stems))
    parsed.terms[negated ? 'exclude' : 'include'].push({ words: searched })
    if (!negated) parsed.highlight.stems.push(...stems)
  }
  if (positive.length > 0) {
    // Only the text columns: the index's meta column (author, forum) is for the filters.
    const scope = parsed.titleOnly ? 'title' : '{title body}'
    parsed.match = `${scope} : (${negative.reduce((expression, term) => `(${expression}) NOT ${term}`, positive.join(' '))})`
  }
  return parsed
}
