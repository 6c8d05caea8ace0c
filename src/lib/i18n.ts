import { readFileSync } from 'node:fs'
import { projectPath } from './paths.js'
import type { Locale } from '../config.js'
import type { Role } from '../db/schema.js'

type Messages = Record<string, string>
export type Vars = Record<string, string | number>

const catalogues = new Map<Locale, Messages>()

function catalogue (locale: Locale): Messages {
  let messages = catalogues.get(locale)
  if (!messages) {
    const file = projectPath('locales', `${locale}.json`)
    messages = JSON.parse(readFileSync(file, 'utf8')) as Messages
    catalogues.set(locale, messages)
  }
  return messages
}

export const intlTag: Record<Locale, string> = { nl: 'nl-NL', en: 'en-GB', sv: 'sv-SE' }

export interface Translator {
  locale: Locale
  /** Looks up `key` (or `key_one`/`key_other` when vars.count is given) and fills in {name} placeholders. */
  t: (key: string, vars?: Vars) => string
  number: (n: number) => string
  date: (ms: number) => string
  /** The date alone, without the time: "12 maart 2025". */
  day: (ms: number) => string
  relative: (ms: number, now?: number) => string
  role: (role: Role | 'guest') => string
}

const translators = new Map<Locale, Translator>()

export function translator (locale: Locale): Translator {
  const cached = translators.get(locale)
  if (cached) return cached
  const messages = catalogue(locale)
  const fallback = catalogue('en')
  const tag = intlTag[locale]
  const numbers = new Intl.NumberFormat(tag)
  const plurals = new Intl.PluralRules(tag)
  const dates = new Intl.DateTimeFormat(tag, { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Amsterdam' })
  const relatives = new Intl.RelativeTimeFormat(tag, { numeric: 'auto' })
  const days = new Intl.DateTimeFormat(tag, { dateStyle: 'long', timeZone: 'Europe/Amsterdam' })

  function lookup (key: string): string {
    return messages[key] ?? fallback[key] ?? key
  }

  const t = (key: string, vars: Vars = {}): string => {
    const template = typeof vars.count === 'number'
      ? (messages[`${key}_${plurals.select(vars.count)}`] ?? lookup(`${key}_other`))
      : lookup(key)
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = vars[name]
      if (value === undefined) return whole
      return typeof value === 'number' ? numbers.format(value) : value
    })
  }

  const steps: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ['year', 365 * 24 * 3600], ['month', 30 * 24 * 3600], ['week', 7 * 24 * 3600],
    ['day', 24 * 3600], ['hour', 3600], ['minute', 60]
  ]
  const relative = (ms: number, now = Date.now()): string => {
    const seconds = Math.round((ms - now) / 1000)
    for (const [unit, size] of steps) {
      if (Math.abs(seconds) >= size) return relatives.format(Math.trunc(seconds / size), unit)
    }
    // The last minute is "just now"; a moment ahead (a wait) is counted in seconds.
    return seconds > 0 ? relatives.format(seconds, 'second') : lookup('time.just_now')
  }

  const made: Translator = {
    locale,
    t,
    number: n => numbers.format(n),
    date: ms => dates.format(new Date(ms)),
    day: ms => days.format(new Date(ms)),
    relative,
    role: role => lookup(`role.${role}`)
  }
  translators.set(locale, made)
  return made
}

/** A member's own language (their setting, else the site's), for what is written to them: mail, forms they sent. */
export function translatorFor (member: { locale?: Locale | null } | null, siteLocale: Locale): Translator {
  return translator(member?.locale ?? siteLocale)
}
