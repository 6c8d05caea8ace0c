import type { Locale } from '../config.js'
import { intlTag } from '../lib/i18n.js'
import type { StoredEvent } from '../models/events.js'
import { describeRepeat, nextOccurrences, type Occurrence } from './recurrence.js'

/** How many coming dates a repeating event shows. */
const SHOWN_DATES = 4

const formats = new Map<string, { day: Intl.DateTimeFormat, time: Intl.DateTimeFormat, full: Intl.DateTimeFormat }>()

/** Dates in the reader's language, on the event's own clock (so 19:30 in Amsterdam reads 19:30 everywhere). */
function formatsFor (locale: Locale, timeZone: string) {
  const key = `${locale} ${timeZone}`
  let found = formats.get(key)
  if (!found) {
    const tag = intlTag[locale]
    found = {
      day: new Intl.DateTimeFormat(tag, { dateStyle: 'full', timeZone }),
      time: new Intl.DateTimeFormat(tag, { timeStyle: 'short', timeZone }),
      full: new Intl.DateTimeFormat(tag, { dateStyle: 'full', timeStyle: 'short', timeZone })
    }
    formats.set(key, found)
  }
  return found
}

/** "dinsdag 1 september 2026, 19:30 – 21:00", or with the end's date when it ends on another day. */
export function describeOccurrence (occurrence: Occurrence, timeZone: string, locale: Locale): string {
  const f = formatsFor(locale, timeZone)
  const sameDay = f.day.format(occurrence.start) === f.day.format(occurrence.end)
  return `${f.full.format(occurrence.start)} – ${sameDay ? f.time.format(occurrence.end) : f.full.format(occurrence.end)}`
}

export interface EventView {
  /** The next occurrence (or the only one); null when a single event is over. */
  next: Occurrence | null
  when: string
  repeatText: string | null
  /** The dates after the next, for a repeating event. */
  later: string[]
  startIso: string
  over: boolean
}

export function eventView (event: StoredEvent, locale: Locale, now = Date.now()): EventView {
  const series = { start: new Date(event.starts_at), end: new Date(event.ends_at), repeat: event.repeat, timeZone: event.time_zone }
  // An occurrence still under way counts as coming: look from its length ago.
  const coming = nextOccurrences(series, new Date(now - (event.ends_at - event.starts_at)), SHOWN_DATES)
  const next = coming[0] ?? null
  const shown = next ?? { start: series.start, end: series.end }
  return {
    next,
    when: describeOccurrence(shown, event.time_zone, locale),
    repeatText: event.repeat === null ? null : describeRepeat(event.repeat, series.start, event.time_zone, locale),
    later: coming.slice(1).map(occurrence => formatsFor(locale, event.time_zone).full.format(occurrence.start)),
    startIso: shown.start.toISOString(),
    over: next === null
  }
}

/** A place that is a web address is shown as a link; anything else as text. */
export function placeLink (place: string): string | null {
  return /^https?:\/\/[^\s]+$/i.test(place) ? place : null
}
