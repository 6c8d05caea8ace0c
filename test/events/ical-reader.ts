// Reads calendar text back with Mozilla's ical.js, a real RFC 5545 parser, so the tests
// check what a calendar program would see rather than our own idea of the format.
import ICAL from 'ical.js'

export interface ReadEvent {
  uid: string
  summary: string
  description: string
  location: string | null
  url: string | null
  /** The TZID of DTSTART, or null for UTC or floating times. */
  tzid: string | null
  rrule: string | null
  /** The first `count` occurrences as UTC instants and as wall clock in the event's zone. */
  occurrences: (count: number) => Array<{ start: Date, end: Date, localStart: string }>
}

// ical.js reads properties it has no definition for as raw text; NAME (RFC 7986) and
// X-WR-CALNAME are TEXT, so their escapes must be undone like SUMMARY's.
for (const name of ['name', 'x-wr-calname', 'x-wr-timezone']) {
  ICAL.design.icalendar.property[name] = { defaultType: 'text' }
}

export function readCalendar (text: string): { calendar: ICAL.Component, events: ReadEvent[] } {
  const calendar = new ICAL.Component(ICAL.parse(text))
  // Register the calendar's own VTIMEZONEs: ical.js knows no zones but those it is given.
  for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(vtimezone)
  }
  const events = calendar.getAllSubcomponents('vevent').map(component => {
    const event = new ICAL.Event(component)
    const start = component.getFirstProperty('dtstart')
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      location: event.location ?? null,
      url: (component.getFirstPropertyValue('url') as string | null) ?? null,
      tzid: (start?.getParameter('tzid') as string | undefined) ?? null,
      rrule: component.getFirstPropertyValue('rrule')?.toString() ?? null,
      occurrences: (count: number) => {
        const iterator = event.iterator()
        const list = []
        for (let next = iterator.next(); next && list.length < count; next = iterator.next()) {
          const details = event.getOccurrenceDetails(next)
          list.push({
            start: new Date(details.startDate.toUnixTime() * 1000),
            end: new Date(details.endDate.toUnixTime() * 1000),
            localStart: details.startDate.toString().slice(0, 16)
          })
        }
        return list
      }
    }
  })
  return { calendar, events }
}
