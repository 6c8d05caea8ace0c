import t from 'tap'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { buildCalendar, type CalendarEvent } from '../../src/events/ical.js'
import { nextOccurrences, startFitsRepeat, type Repeat } from '../../src/events/recurrence.js'
import { TimeZoneError, localToUtc, offsetAt } from '../../src/events/time.js'
import { readCalendar } from './ical-reader.js'
import { TRICKY_TEXT, sampleEvent, sampleEvents } from './fixtures/sample-events.js'

const OPTS = { name: 'Kring agenda', timeZone: 'Europe/Amsterdam' }
const HOUR = 3600_000
const isoList = (dates: Date[]): string[] => dates.map(date => date.toISOString())

function readOne (event: CalendarEvent): ReturnType<typeof readCalendar>['events'][number] {
  const { events } = readCalendar(buildCalendar([event], OPTS))
  return events[0]
}

t.test('every first Tuesday, as a calendar program expands it', async t => {
  const event = readOne(sampleEvent(1, '2026-09-01T19:30', '2026-09-01T21:30', 'monthly_nth'))
  t.equal(event.tzid, 'Europe/Amsterdam', 'local time with a TZID, not UTC or floating')
  t.equal(event.rrule, 'FREQ=MONTHLY;BYDAY=1TU')
  const occurrences = event.occurrences(3)
  t.same(occurrences.map(o => o.localStart), ['2026-09-01T19:30', '2026-10-06T19:30', '2026-11-03T19:30'], '19:30 on the wall')
  t.same(isoList(occurrences.map(o => o.start)), ['2026-09-01T17:30:00.000Z', '2026-10-06T17:30:00.000Z', '2026-11-03T18:30:00.000Z'],
    'and an hour later in UTC after the 25 October change')
  t.same(isoList(occurrences.map(o => o.end)), ['2026-09-01T19:30:00.000Z', '2026-10-06T19:30:00.000Z', '2026-11-03T20:30:00.000Z'])
})

t.test('every last Thursday', async t => {
  const event = readOne(sampleEvent(2, '2026-09-24T20:00', '2026-09-24T22:00', 'monthly_last'))
  t.equal(event.rrule, 'FREQ=MONTHLY;BYDAY=-1TH')
  t.same(event.occurrences(4).map(o => o.localStart), ['2026-09-24T20:00', '2026-10-29T20:00', '2026-11-26T20:00', '2026-12-31T20:00'])
})

t.test('every week across the March change', async t => {
  const event = readOne(sampleEvent(3, '2026-03-17T19:30', '2026-03-17T21:00', 'weekly'))
  t.equal(event.rrule, 'FREQ=WEEKLY;BYDAY=TU')
  const occurrences = event.occurrences(4)
  t.same(occurrences.map(o => o.localStart), ['2026-03-17T19:30', '2026-03-24T19:30', '2026-03-31T19:30', '2026-04-07T19:30'])
  t.same(isoList(occurrences.map(o => o.start)),
    ['2026-03-17T18:30:00.000Z', '2026-03-24T18:30:00.000Z', '2026-03-31T17:30:00.000Z', '2026-04-07T17:30:00.000Z'])
})

t.test('our own expansion agrees with ical.js for many series', async t => {
  // Compared away from the hours a clock change skips or repeats: there ical.js 2.2 follows
  // neither RFC 5545's rule (3.3.5: a skipped time moves forward, a repeated one is the
  // first) nor one of its own consistently; time.test.ts and recurrence.test.ts check ours.
  const nearChange = (instant: Date, zone: string): boolean =>
    offsetAt(instant.getTime() - 2 * HOUR, zone) !== offsetAt(instant.getTime() + 2 * HOUR, zone)
  const starts = ['2026-01-31T09:00', '2026-03-29T02:30', '2026-10-25T02:30', '2026-11-01T01:30', '2026-09-29T19:30',
    '2026-12-31T23:30', '2027-02-28T12:00', '2026-03-08T02:30', '2026-10-29T08:00']
  const kinds: Repeat[] = ['weekly', 'monthly_nth', 'monthly_last']
  let compared = 0
  for (const zone of ['Europe/Amsterdam', 'Europe/Stockholm', 'America/New_York']) {
    for (const start of starts) {
      for (const repeat of kinds) {
        const event = sampleEvent(9, start, start, repeat, { timeZone: zone })
        // A start off its rule is undefined in RFC 5545 (ical.js skips it, we keep it).
        if (!startFitsRepeat(repeat, event.start, zone)) continue
        event.end = new Date(event.start.getTime() + 90 * 60_000)
        const ours = nextOccurrences(event, event.start, 15)
        const theirs = readOne(event).occurrences(15)
        t.equal(theirs.length, ours.length)
        const keep = ours.map(o => !nearChange(o.start, zone))
        const plain = (list: Array<{ start: Date }>): string[] => isoList(list.filter((_, i) => keep[i]).map(o => o.start))
        t.same(plain(ours), plain(theirs), `${repeat} from ${start} in ${zone}`)
        compared += keep.filter(Boolean).length
      }
    }
  }
  t.ok(compared > 1000, `${compared} occurrences compared`)
})

t.test('text with , ; \\ newlines and non-ASCII letters comes back as it was', async t => {
  const event = readOne(sampleEvents()[3])
  const expected = TRICKY_TEXT.replace(/\r\n/g, '\n')
  t.equal(event.summary, expected, 'SUMMARY')
  t.equal(event.description, expected, 'DESCRIPTION')
  t.equal(event.location, expected, 'LOCATION')
  t.equal(event.rrule, null, 'no RRULE for a single event')
  t.equal(readOne(sampleEvent(6, '2026-12-10T10:00', '2026-12-10T16:00', null, { title: 'bel\u0007 nul\u0000 tab\tok' })).summary,
    'bel nul tab\tok', 'control characters other than tab are dropped')
})

t.test('long lines are folded at 75 octets and read back whole', async t => {
  const long = 'Lang verhaal met één emoji 🎉 en Swedish åäö. '.repeat(40)
  const text = buildCalendar([sampleEvent(7, '2026-12-10T10:00', '2026-12-10T16:00', null, { description: long })], OPTS)
  const lines = text.split('\r\n')
  t.ok(lines.some(line => line.startsWith(' ')), 'there are continuation lines')
  for (const line of lines) {
    if (Buffer.byteLength(line) > 75) t.fail(`a line of ${Buffer.byteLength(line)} octets: ${line}`)
  }
  t.notOk(text.includes('\uFFFD'), 'no character is cut in half')
  t.equal(readCalendar(text).events[0].description, long)
})

t.test('the shape of the file', async t => {
  const text = buildCalendar(sampleEvents(), OPTS)
  t.ok(text.startsWith('BEGIN:VCALENDAR\r\n'))
  t.ok(text.endsWith('END:VCALENDAR\r\n'), 'the last line ends with CRLF too')
  t.notMatch(text, /[^\r]\n/, 'every line ends with CRLF')
  t.match(text, /\r\nMETHOD:PUBLISH\r\n/)
  t.match(text, /\r\nVERSION:2\.0\r\n/)
  t.match(text, /\r\nPRODID:-\/\/Kring\/\/Kring forum\/\/NL\r\n/)
  t.match(text, /\r\nX-WR-CALNAME:Kring agenda\r\n/)
  const stamps = text.split('\r\n').filter(line => line.startsWith('DTSTAMP'))
  t.same(stamps, Array(5).fill('DTSTAMP:20260815T090000Z'), 'a DTSTAMP per event, in UTC, from its last change')
  const vevents = text.match(/BEGIN:VEVENT[\s\S]*?END:VEVENT/g) ?? []
  t.equal(vevents.length, 5)
  for (const vevent of vevents) t.notMatch(vevent, /^DT(START|END):/m, 'no start or end without a TZID')
  const { calendar } = readCalendar(text)
  const declared = calendar.getAllSubcomponents('vtimezone').map(zone => zone.getFirstPropertyValue('tzid'))
  t.same(declared.sort(), ['Europe/Amsterdam', 'Europe/Stockholm'], 'one VTIMEZONE per zone in use, under its own name')
  for (const tzid of text.match(/TZID=[^:;]+/g) ?? []) t.ok(declared.includes(tzid.slice(5)), `${tzid} has its VTIMEZONE`)
})

t.test('the place and the page', async t => {
  const [, online] = readCalendar(buildCalendar(sampleEvents(), OPTS)).events
  t.equal(online.location, 'https://meet.example/kring-42', 'an online link is the LOCATION')
  t.equal(online.url, 'https://kring.example/topic/bijeenkomst-2', 'URL is the forum page')
  t.equal(readOne(sampleEvents()[2]).location, null, 'no place, no LOCATION')
})

t.test('a calendar name with a comma is escaped', async t => {
  const text = buildCalendar([], { name: 'Kring, agenda; alles', timeZone: 'Europe/Amsterdam' })
  t.match(text, /\r\nX-WR-CALNAME:Kring\\, agenda\\; alles\r\n/)
  const { calendar } = readCalendar(text)
  t.equal(calendar.getFirstPropertyValue('x-wr-calname'), 'Kring, agenda; alles')
  t.equal(calendar.getFirstPropertyValue('name'), 'Kring, agenda; alles', 'NAME (RFC 7986) too')
  t.equal(calendar.getFirstPropertyValue('x-wr-timezone'), 'Europe/Amsterdam')
  t.equal(readCalendar(text).events.length, 0, 'an empty calendar is still a calendar')
})

t.test('several events, each once, with stable UIDs', async t => {
  const first = buildCalendar(sampleEvents(), OPTS)
  const second = buildCalendar(sampleEvents(), OPTS)
  const events = readCalendar(first).events
  t.equal(events.length, 5, 'a VEVENT per event')
  t.same(events.map(e => e.uid), [1, 2, 3, 4, 5].map(id => `topic-${id}@kring.example`))
  t.same(readCalendar(second).events.map(e => e.uid), events.map(e => e.uid), 'the same UIDs on a second build')
  t.equal(first, second, 'the same bytes on a second build')
  const stockholm = events[4]
  t.equal(stockholm.tzid, 'Europe/Stockholm')
  t.same(stockholm.occurrences(2).map(o => o.localStart), ['2026-10-06T18:00', '2026-11-03T18:00'])
})

t.test('a UID with a line break is refused, not written', async t => {
  const event = sampleEvent(10, '2026-12-10T10:00', '2026-12-10T16:00', null, { uid: 'topic-10@kring.example\r\nORGANIZER:x' })
  t.throws(() => buildCalendar([event], OPTS), /UID may hold no control characters/)
})

t.test('the same bytes whatever zone the server process runs in', async t => {
  const script = fileURLToPath(new URL('./fixtures/print-calendar.ts', import.meta.url))
  const here = buildCalendar(sampleEvents(), OPTS)
  for (const TZ of ['America/Los_Angeles', 'Asia/Tokyo', 'UTC']) {
    const there = execFileSync(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, TZ }, encoding: 'utf8' })
    t.equal(there, here, `TZ=${TZ}`)
  }
})

t.test('a zone without a VTIMEZONE is refused', async t => {
  const event = sampleEvent(8, '2026-12-10T10:00', '2026-12-10T16:00', null)
  t.throws(() => buildCalendar([{ ...event, timeZone: 'Mars/Olympus_Mons' }], OPTS), TimeZoneError)
  const utc = readOne({ ...event, timeZone: 'UTC', start: localToUtc('2026-12-10T10:00', 'UTC')!, end: localToUtc('2026-12-10T11:00', 'UTC')! })
  t.equal(utc.tzid, null, 'UTC needs none: its times end in Z')
  t.equal(utc.occurrences(1)[0].start.toISOString(), '2026-12-10T10:00:00.000Z')
})
