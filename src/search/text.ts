import { stemmer as dutch } from '@orama/stemmers/dutch'
import { stemmer as english } from '@orama/stemmers/english'
import { stemmer as swedish } from '@orama/stemmers/swedish'
import type { Locale } from '../config.js'

/**
 * Text as the search index holds it: case and diacritics folded ("één" → "een", "café" →
 * "cafe"), cut into words, each stemmed in the forum's language (Snowball, via
 * @orama/stemmers), so "innovaties" and "innovatie" are one word. The index and the query
 * go through the same function.
 */

/**
 * Snowball's Dutch stemmer keeps some plurals whole: -s after a final e ("innovaties",
 * "vacatures", "cafés") and -ën ("ideeën"). Those become their singular first. Words in -ces
 * and -ses are left alone: "proces" is singular.
 */
function dutchSingular (word: string): string {
  if (word.length > 5 && word.endsWith('eeen')) return word.slice(0, -2)
  if (word.length >= 5 && /[^aeiouy]es$/.test(word) && !/[cs]es$/.test(word)) return word.slice(0, -1)
  if (word.length > 5 && word.endsWith('ies')) return word.slice(0, -1)
  return word
}

const STEMMERS: Record<Locale, (word: string) => string> = {
  nl: word => dutch(dutchSingular(word)),
  en: english,
  sv: swedish
}

export function fold (text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase()
}

const WORD = /[\p{L}\p{N}]+/gu
/** Words longer than this are not words (hashes, base64): they are left out of index and query alike. */
const LONGEST_WORD = 40

/** A single letter (the s of "cao's") is not worth a place in the index. */
export function words (text: string): string[] {
  return (fold(text).match(WORD) ?? []).filter(word => word.length >= 2 && word.length <= LONGEST_WORD)
}

export function stem (word: string, locale: Locale): string {
  return STEMMERS[locale](word)
}

/**
 * The commonest function words, left out of index and query alike: nearly half of all words
 * and a third of the index, while no one finds a post by "het". Words with a meaning of their
 * own stay, "één"/"een" (one) among them, so `een` still finds `één`. PostgreSQL's index has
 * a copy of these lists (migration 2026_11_30_0022): a change here needs a migration there.
 */
const stopwords = (list: string): Set<string> => new Set(list.split(' ').map(fold))
export const STOPWORDS: Record<Locale, Set<string>> = {
  nl: stopwords('de het en van in op te dat die is voor met aan er zijn om als bij of ook maar dan naar uit nog wel door ' +
    'tot je ze we wij hij zij ik u dit deze dus zo was werd wordt worden kan hebben heeft heb ben al'),
  en: stopwords('the and of to in on at for with is are was were be been it its this that these as by from but or so we you he she they'),
  sv: stopwords('och att det som på är av för med till den har de om var jag men sig så vi han hon kan detta eller')
}

/** The words of a text worth looking for: folded, without stopwords, not yet stemmed. */
export function searchWords (text: string, locale: Locale): string[] {
  return words(text).filter(word => !STOPWORDS[locale].has(word))
}

/** The words of a text as search compares them: folded, without stopwords, stemmed. */
export function searchTerms (text: string, locale: Locale): string[] {
  return searchWords(text, locale).map(word => stem(word, locale))
}

/** What goes into the index for a title or a post body. */
export function indexText (text: string, locale: Locale): string {
  return searchTerms(text, locale).join(' ')
}
