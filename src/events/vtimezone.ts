// VTIMEZONE components, so calendar files can give times as local wall clock with a TZID
// that calendar programs resolve without guessing. timezones-ical-library ships them built
// from a recent IANA database (no download at install or run time).
import { tzlib_get_ical_block, tzlib_get_timezones } from 'timezones-ical-library'

let known: Set<string> | undefined

/**
 * The VTIMEZONE block for an IANA zone, its TZID set to the very name asked for; null for a
 * zone the library does not know. The library answers a linked zone with its target
 * (Europe/Amsterdam comes back as Europe/Brussels, which keeps the same clocks since 1970);
 * a TZID must match the events' TZID parameters, and members expect to see their own city.
 */
export function vtimezoneFor (timeZone: string): string | null {
  known ??= new Set(tzlib_get_timezones() as string[])
  // Asking for an unknown zone makes the library write to the console; ask only for known ones.
  if (!known.has(timeZone)) return null
  const [block] = tzlib_get_ical_block(timeZone) as string[]
  if (!block) return null
  return block
    .replace(/^TZID:.*$/m, `TZID:${timeZone}`)
    .replace(/^X-LIC-LOCATION:.*$/m, `X-LIC-LOCATION:${timeZone}`)
}
