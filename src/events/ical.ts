// Events as an RFC 5545 calendar file, for `event.ics` and `events.ics`. ical-generator
// does the escaping, the folding at 75 octets and the CRLF line ends; this file decides
// what goes where and steers round the places where it would write the wrong time.
import ical, { ICalCalendarMethod, escape } from 'ical-generator'
import { toRRule, type Repeat } from './recurrence.js'
import { TimeZoneError } from './time.js'
import { zonedDateTime } from './ical-dates.js'
import { vtimezoneFor } from './vtimezone.js'

export interface CalendarEvent {
  /** Stable across builds and edits, e.g. "topic-42@forum.example.org". */
  uid: string
  title: string
  /** Plain text. */
  description: string
  /** The event's page in the forum. */
  url: string
  start: Date
  end: Date
  /** A place, or an online link. */
  place: string | null
  repeat: Repeat | null
  /** The zone the event was typed in: its times are written as wall clock there. */
  timeZone: string
  /** The last change to the event; written as DTSTAMP and LAST-MODIFIED. */
  updated: Date
}

export interface CalendarOptions {
  /** Shown by calendar programs as the subscribed calendar's name. */
  name: string
  /** The site's zone; a hint (X-WR-TIMEZONE) for programs that show a whole calendar in one zone. */
  timeZone: string
  /** The text after "PRODID:-", as "//Company//Product//Language". */
  productId?: string
}

const DEFAULT_PRODUCT_ID = '//Kring//Kring forum//NL'

/**
 * One VCALENDAR (METHOD:PUBLISH) holding a VEVENT per event, with a VTIMEZONE for each zone
 * the events use. Each VEVENT gives DTSTART and DTEND as local times with a TZID, so a
 * repeating event stays at its wall-clock time across summer and winter time, and an
 * RRULE when it repeats.
 *
 * URL is the event's forum page: RFC 5545 allows one URL per event, and the page is where
 * members answer. A place, whether an address or an online link, goes in LOCATION, which
 * the common calendar programs show as a clickable link when it is one.
 *
 * DTSTAMP is the event's last change rather than the time of the request, so the same
 * events give the same bytes (cacheable, comparable) and a changed event a newer stamp.
 * Throws TimeZoneError for a zone without a known VTIMEZONE.
 */
export function buildCalendar (events: CalendarEvent[], opts: CalendarOptions): string {
  for (const zone of new Set(events.map(event => event.timeZone))) {
    if (zone !== 'UTC' && vtimezoneFor(zone) === null) throw new TimeZoneError(zone)
  }
  const calendar = ical({
    // ical-generator writes the calendar's name without escaping it.
    name: escape(plainText(opts.name), false),
    prodId: opts.productId ?? DEFAULT_PRODUCT_ID,
    method: ICalCalendarMethod.PUBLISH,
    // A calendar-wide zone name would make ical-generator 10 write DTSTAMP and LAST-MODIFIED
    // in the process's local time without a Z, so the zone is named per event and the
    // calendar only lends the VTIMEZONE generator.
    timezone: { name: null, generator: vtimezoneFor },
    x: { 'X-WR-TIMEZONE': opts.timeZone }
  })
  for (const event of events) {
    // ical-generator writes the UID as it is; a line break in it would start a new property.
    if (/[\u0000-\u001f\u007f]/.test(event.uid)) {
      throw new Error(`A UID may hold no control characters: ${JSON.stringify(event.uid)}`)
    }
    calendar.createEvent({
      id: event.uid,
      timezone: event.timeZone,
      start: zonedDateTime(event.start, event.timeZone),
      end: zonedDateTime(event.end, event.timeZone),
      stamp: event.updated,
      lastModified: event.updated,
      summary: plainText(event.title),
      description: plainText(event.description),
      url: event.url,
      location: event.place ? { title: plainText(event.place) } : null,
      repeating: event.repeat ? toRRule(event.repeat, event.start, event.timeZone) : null
    })
  }
  // RFC 5545 ends every line, the last one too, with CRLF; ical-generator leaves the last bare.
  return calendar.toString() + '\r\n'
}

/** RFC 5545 text may hold no control characters but tab and line ends (which are escaped). */
function plainText (text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
}
