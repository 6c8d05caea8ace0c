// Repeating events: which days they fall on, the same rule as an RFC 5545 RRULE, and the
// rule in words. Every rule is read in the event's own zone, so "19:30" stays 19:30 on the
// wall after the clocks change, and the UTC instant moves instead.
import type { Locale } from '../config.js'
import { daysInMonth, utcToWallClock, wallClockToUtc, type WallClock } from './time.js'

/** The values of an event's `repeat` field (and the form's `event_repeat`). */
export type Repeat = 'weekly' | 'monthly_nth' | 'monthly_last'
export const REPEATS: readonly Repeat[] = ['weekly', 'monthly_nth', 'monthly_last']

export function isRepeat (value: unknown): value is Repeat {
  return REPEATS.includes(value as Repeat)
}

/** An event's first occurrence and how it repeats, if it does. */
export interface Series {
  start: Date
  end: Date
  repeat: Repeat | null
  timeZone: string
}

export interface Occurrence {
  start: Date
  end: Date
}

/**
 * What a repetition means for a given start: the weekday (0 = Sunday, as Date counts) and,
 * for monthly ones, which of the month's such weekdays: 1 to 4, or -1 for the last.
 *
 * A monthly_nth series that starts on a fifth weekday (the 29th–31st) repeats on the last
 * such weekday: most months have no fifth Tuesday, and a meeting that silently skipped
 * them (as BYDAY=5TU would) is not what anyone picking "the fifth" means; "the last" is
 * what they see on the calendar.
 */
export interface RepeatRule {
  weekday: number
  position: number | null
}

export function repeatRule (repeat: Repeat, start: Date, timeZone: string): RepeatRule {
  const wall = utcToWallClock(start, timeZone)
  const weekday = weekdayOf(wall.year, wall.month, wall.day)
  if (repeat === 'weekly') return { weekday, position: null }
  const nth = Math.ceil(wall.day / 7)
  return { weekday, position: repeat === 'monthly_last' || nth === 5 ? -1 : nth }
}

/**
 * Whether the start itself falls on its rule: always for weekly and monthly_nth, and for
 * monthly_last only on the last such weekday of its month. RFC 5545 leaves a series whose
 * DTSTART is off its RRULE undefined, and calendar programs differ (some show the start,
 * some skip it), so a form should refuse a start that does not fit.
 */
export function startFitsRepeat (repeat: Repeat, start: Date, timeZone: string): boolean {
  if (repeat !== 'monthly_last') return true
  const wall = utcToWallClock(start, timeZone)
  return wall.day + 7 > daysInMonth(wall.year, wall.month)
}

const WEEK = 7 * 24 * 60 * 60 * 1000

/**
 * The first `count` occurrences that start at or after `from`. Each keeps the first one's
 * wall-clock start in the series' zone and its exact length. The first occurrence always
 * counts, even off the rule's day (see startFitsRepeat), as the forum shows it.
 */
export function nextOccurrences (series: Series, from: Date, count: number): Occurrence[] {
  if (count <= 0) return []
  const duration = series.end.getTime() - series.start.getTime()
  const starts: number[] = []
  if (series.start >= from) starts.push(series.start.getTime())
  if (series.repeat) {
    const first = utcToWallClock(series.start, series.timeZone)
    const rule = repeatRule(series.repeat, series.start, series.timeZone)
    // Jump close to `from` instead of walking from the first occurrence; one step short,
    // so the occurrence just before `from` is still looked at.
    const fromWall = utcToWallClock(from, series.timeZone)
    const skip = series.repeat === 'weekly'
      ? Math.floor((from.getTime() - series.start.getTime()) / WEEK) - 1
      : (fromWall.year - first.year) * 12 + fromWall.month - first.month - 1
    for (let step = Math.max(0, skip); starts.length < count; step++) {
      const instant = wallClockToUtc(stepWall(first, rule, series.repeat, step), series.timeZone).getTime()
      if (instant > series.start.getTime() && instant >= from.getTime()) starts.push(instant)
    }
  }
  return starts.slice(0, count).map(start => ({ start: new Date(start), end: new Date(start + duration) }))
}

/** The local date and time of the rule's `step`th occurrence after the first's week or month. */
function stepWall (first: WallClock, rule: RepeatRule, repeat: Repeat, step: number): WallClock {
  if (repeat === 'weekly') {
    const date = new Date(Date.UTC(first.year, first.month - 1, first.day + 7 * step))
    return { ...first, year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() }
  }
  const monthIndex = first.year * 12 + (first.month - 1) + step
  const year = Math.floor(monthIndex / 12)
  const month = monthIndex % 12 + 1
  const day = rule.position === -1
    ? lastWeekday(year, month, rule.weekday)
    : nthWeekday(year, month, rule.weekday, rule.position ?? 1)
  return { ...first, year, month, day }
}

function weekdayOf (year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay()
}

function nthWeekday (year: number, month: number, weekday: number, nth: number): number {
  const first = 1 + (weekday - weekdayOf(year, month, 1) + 7) % 7
  return first + 7 * (nth - 1)
}

function lastWeekday (year: number, month: number, weekday: number): number {
  const last = daysInMonth(year, month)
  return last - (weekdayOf(year, month, last) - weekday + 7) % 7
}

const RFC_DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA']

/** The RRULE value: "FREQ=WEEKLY;BYDAY=TU", "FREQ=MONTHLY;BYDAY=1TU", "FREQ=MONTHLY;BYDAY=-1TU". */
export function toRRule (repeat: Repeat, start: Date, timeZone: string): string {
  const rule = repeatRule(repeat, start, timeZone)
  const day = RFC_DAYS[rule.weekday]
  return rule.position === null ? `FREQ=WEEKLY;BYDAY=${day}` : `FREQ=MONTHLY;BYDAY=${rule.position}${day}`
}

interface Words {
  weekdays: string[]
  /** Index 0 is the last; 1–4 the first to the fourth. */
  positions: string[]
  weekly: (day: string) => string
  monthly: (position: string, day: string) => string
}

const WORDS: Record<Locale, Words> = {
  nl: {
    weekdays: ['zondag', 'maandag', 'dinsdag', 'woensdag', 'donderdag', 'vrijdag', 'zaterdag'],
    positions: ['laatste', 'eerste', 'tweede', 'derde', 'vierde'],
    weekly: day => `iedere week op ${day}`,
    monthly: (position, day) => `iedere ${position} ${day} van de maand`
  },
  en: {
    weekdays: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
    positions: ['last', 'first', 'second', 'third', 'fourth'],
    weekly: day => `every week on ${day}`,
    monthly: (position, day) => `every ${position} ${day} of the month`
  },
  sv: {
    weekdays: ['söndag', 'måndag', 'tisdag', 'onsdag', 'torsdag', 'fredag', 'lördag'],
    positions: ['sista', 'första', 'andra', 'tredje', 'fjärde'],
    weekly: day => `varje vecka på ${day}`,
    monthly: (position, day) => `varje ${position} ${day} i månaden`
  }
}

/** "iedere eerste dinsdag van de maand", "every week on Tuesday", "varje sista tisdag i månaden". */
export function describeRepeat (repeat: Repeat, start: Date, timeZone: string, locale: Locale): string {
  const words = WORDS[locale]
  const rule = repeatRule(repeat, start, timeZone)
  const day = words.weekdays[rule.weekday]
  if (rule.position === null) return words.weekly(day)
  return words.monthly(words.positions[Math.max(rule.position, 0)], day)
}
