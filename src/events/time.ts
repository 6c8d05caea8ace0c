// Wall-clock times in a named zone and the instants they stand for, with Intl alone:
// Node 20 carries the full time zone database, so no date library is needed.

export const DEFAULT_TIME_ZONE = 'Europe/Amsterdam'

/** A local date and time as a person types it, without a zone. Months and days count from 1. */
export interface WallClock {
  year: number
  month: number
  day: number
  hour: number
  minute: number
}

/** Thrown when a conversion is asked of a zone that Intl does not know. */
export class TimeZoneError extends Error {
  constructor (readonly timeZone: string) {
    super(`Unknown time zone: ${JSON.stringify(timeZone)}`)
    this.name = 'TimeZoneError'
  }
}

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
const LOCAL_FORMAT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/

/** "2026-09-01T19:30" → its parts; null for anything else, including dates like 2026-02-30 or 24:00. */
export function parseLocalDateTime (text: string): WallClock | null {
  const match = LOCAL_FORMAT.exec(text)
  if (!match) return null
  const [year, month, day, hour, minute] = match.slice(1).map(Number)
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59) return null
  if (day < 1 || day > daysInMonth(year, month)) return null
  return { year, month, day, hour, minute }
}

export function formatLocalDateTime (wall: WallClock): string {
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${String(wall.year).padStart(4, '0')}-${two(wall.month)}-${two(wall.day)}T${two(wall.hour)}:${two(wall.minute)}`
}

export function daysInMonth (year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** True for a zone name Intl accepts, such as "Europe/Amsterdam" or "UTC"; false for offsets like "+01:00". */
export function isValidTimeZone (name: string): boolean {
  return canonicalTimeZone(name) !== null
}

/** The zone's name as Intl spells it ("europe/amsterdam" → "Europe/Amsterdam"), or null when unknown. */
export function canonicalTimeZone (name: string): string | null {
  if (!/^[A-Za-z]/.test(name)) return null
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone
  } catch {
    return null
  }
}

/**
 * The instant a wall-clock time in `timeZone` stands for. Like RFC 5545 and Temporal's
 * "compatible" rule: a time in the spring gap (02:30 on the last Sunday of March in
 * Amsterdam) is read with the offset from before the gap, so it moves forward (03:30 summer
 * time); a time the autumn change repeats (02:30 on the last Sunday of October) is the
 * first, earlier one (summer time).
 */
export function wallClockToUtc (wall: WallClock, timeZone: string): Date {
  const asIfUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute)
  // A zone changes its offset at most once within a day either side, so the offsets a day
  // before and a day after are the only candidates.
  const offsetBefore = offsetAt(asIfUtc - DAY, timeZone)
  const offsetAfter = offsetAt(asIfUtc + DAY, timeZone)
  const candidates = [asIfUtc - offsetBefore, asIfUtc - offsetAfter]
    .filter(instant => asIfUtc - instant === offsetAt(instant, timeZone))
    .sort((a, b) => a - b)
  return new Date(candidates[0] ?? asIfUtc - offsetBefore)
}

/** "2026-09-01T19:30" in Europe/Amsterdam → 2026-09-01T17:30Z; null when the text is no valid local time. */
export function localToUtc (text: string, timeZone: string = DEFAULT_TIME_ZONE): Date | null {
  const wall = parseLocalDateTime(text)
  return wall ? wallClockToUtc(wall, timeZone) : null
}

/** The wall clock in `timeZone` at `instant`, to the minute. */
export function utcToWallClock (instant: Date, timeZone: string): WallClock {
  const fields = zoneFields(instant.getTime(), timeZone)
  return { year: fields.year, month: fields.month, day: fields.day, hour: fields.hour, minute: fields.minute }
}

/** 2026-11-03T18:30Z in Europe/Amsterdam → "2026-11-03T19:30". */
export function utcToLocal (instant: Date, timeZone: string = DEFAULT_TIME_ZONE): string {
  return formatLocalDateTime(utcToWallClock(instant, timeZone))
}

/** Milliseconds the zone's clocks are ahead of UTC at `instant` (+7_200_000 for Amsterdam in summer). */
export function offsetAt (instant: number, timeZone: string): number {
  const f = zoneFields(instant, timeZone)
  const wallAsUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second)
  // Intl shows whole seconds, so compare against the instant cut to its second.
  return wallAsUtc - Math.floor(instant / 1000) * 1000
}

interface ZoneFields extends WallClock { second: number }

const formatters = new Map<string, Intl.DateTimeFormat>()

function zoneFields (instant: number, timeZone: string): ZoneFields {
  const parts: Record<string, number> = {}
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  }
  // formatToParts gives years before 1 CE as an era, not a negative number; no event lives there.
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second }
}

function formatterFor (timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric'
      })
    } catch {
      throw new TimeZoneError(timeZone)
    }
    formatters.set(timeZone, formatter)
  }
  return formatter
}
