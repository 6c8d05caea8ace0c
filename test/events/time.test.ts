import t from 'tap'
import {
  DEFAULT_TIME_ZONE,
  TimeZoneError,
  canonicalTimeZone,
  isValidTimeZone,
  localToUtc,
  parseLocalDateTime,
  utcToLocal,
  wallClockToUtc
} from '../../src/events/time.js'

const iso = (date: Date | null): string | null => date && date.toISOString()

t.test('the default zone is Amsterdam', async t => {
  t.equal(DEFAULT_TIME_ZONE, 'Europe/Amsterdam')
  t.equal(iso(localToUtc('2026-09-01T19:30')), '2026-09-01T17:30:00.000Z', 'used when no zone is given')
})

t.test('parseLocalDateTime takes exactly YYYY-MM-DDTHH:MM with a real date', async t => {
  t.same(parseLocalDateTime('2026-09-01T19:30'), { year: 2026, month: 9, day: 1, hour: 19, minute: 30 })
  t.same(parseLocalDateTime('2028-02-29T00:00'), { year: 2028, month: 2, day: 29, hour: 0, minute: 0 }, 'a leap day')
  t.same(parseLocalDateTime('2026-12-31T23:59'), { year: 2026, month: 12, day: 31, hour: 23, minute: 59 })
  const bad = [
    '2026-13-01T10:00', '2026-00-10T10:00', '2026-02-30T10:00', '2026-02-29T10:00', '2026-04-31T10:00',
    '2026-01-00T10:00', '2026-01-01T24:00', '2026-01-01T10:60', '2026-1-01T10:00', '2026-01-01 10:00',
    '2026-01-01T10:00:00', '2026-01-01T10:00Z', '2026-01-01T10:00+01:00', ' 2026-01-01T10:00',
    '2026-01-01T10:00\n', '2026-01-01', '10:00', '', 'garbage', '0000-01-01T10:00', '２０２６-01-01T10:00'
  ]
  for (const text of bad) {
    t.equal(parseLocalDateTime(text), null, `${JSON.stringify(text)} is refused`)
    t.equal(localToUtc(text), null, `${JSON.stringify(text)} gives no instant`)
  }
})

t.test('summer and winter time in Amsterdam', async t => {
  t.equal(iso(localToUtc('2026-09-01T19:30', 'Europe/Amsterdam')), '2026-09-01T17:30:00.000Z', 'summer: UTC+2')
  t.equal(iso(localToUtc('2026-11-03T19:30', 'Europe/Amsterdam')), '2026-11-03T18:30:00.000Z', 'winter: UTC+1')
  t.equal(utcToLocal(new Date('2026-09-01T17:30:00Z'), 'Europe/Amsterdam'), '2026-09-01T19:30')
  t.equal(utcToLocal(new Date('2026-11-03T18:30:00Z'), 'Europe/Amsterdam'), '2026-11-03T19:30')
  t.equal(utcToLocal(new Date('2026-12-31T23:30:00Z'), 'Europe/Amsterdam'), '2027-01-01T00:30', 'across the year end')
})

t.test('a time in the spring gap moves forward', async t => {
  // 2026-03-29: at 02:00 the clocks go to 03:00.
  t.equal(iso(localToUtc('2026-03-29T01:59', 'Europe/Amsterdam')), '2026-03-29T00:59:00.000Z', 'just before')
  t.equal(iso(localToUtc('2026-03-29T02:00', 'Europe/Amsterdam')), '2026-03-29T01:00:00.000Z', 'the gap start')
  t.equal(iso(localToUtc('2026-03-29T02:30', 'Europe/Amsterdam')), '2026-03-29T01:30:00.000Z')
  t.equal(utcToLocal(localToUtc('2026-03-29T02:30', 'Europe/Amsterdam')!, 'Europe/Amsterdam'), '2026-03-29T03:30', 'shown as 03:30')
  t.equal(iso(localToUtc('2026-03-29T03:00', 'Europe/Amsterdam')), '2026-03-29T01:00:00.000Z', 'just after')
  t.equal(iso(localToUtc('2026-03-08T02:30', 'America/New_York')), '2026-03-08T07:30:00.000Z', 'New York: 03:30 EDT')
})

t.test('a time the autumn change repeats is the first, earlier one', async t => {
  // 2026-10-25: at 03:00 summer time the clocks go back to 02:00, so 02:00–02:59 happens twice.
  t.equal(iso(localToUtc('2026-10-25T02:30', 'Europe/Amsterdam')), '2026-10-25T00:30:00.000Z', 'summer time 02:30')
  t.equal(iso(localToUtc('2026-10-25T02:00', 'Europe/Amsterdam')), '2026-10-25T00:00:00.000Z')
  t.equal(iso(localToUtc('2026-10-25T03:00', 'Europe/Amsterdam')), '2026-10-25T02:00:00.000Z', 'after: winter time')
  t.equal(iso(localToUtc('2026-10-25T01:59', 'Europe/Amsterdam')), '2026-10-24T23:59:00.000Z', 'before: summer time')
  t.equal(utcToLocal(new Date('2026-10-25T01:30:00Z'), 'Europe/Amsterdam'), '2026-10-25T02:30', 'the second 02:30 shows as such')
  t.equal(iso(localToUtc('2026-11-01T01:30', 'America/New_York')), '2026-11-01T05:30:00.000Z', 'New York: EDT')
})

t.test('every local time round-trips, across both changes and in several zones', async t => {
  const zones = ['Europe/Amsterdam', 'Europe/Stockholm', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC']
  let checked = 0
  for (const zone of zones) {
    for (const day of ['2026-03-28', '2026-03-29', '2026-10-04', '2026-10-25', '2026-11-01', '2026-03-08']) {
      for (let minutes = 0; minutes < 24 * 60; minutes += 15) {
        const local = `${day}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
        const instant = localToUtc(local, zone)!
        const back = utcToLocal(instant, zone)
        // Only a time in a gap may come back different, and then later.
        if (back !== local && !(back > local)) t.fail(`${zone} ${local} came back as ${back}`)
        if (back === local) checked++
      }
    }
  }
  t.ok(checked > zones.length * 6 * 90, `${checked} local times came back unchanged`)
})

t.test('wallClockToUtc takes parts', async t => {
  t.equal(wallClockToUtc({ year: 2026, month: 7, day: 1, hour: 12, minute: 0 }, 'Europe/Stockholm').toISOString(), '2026-07-01T10:00:00.000Z')
})

t.test('zone names', async t => {
  t.ok(isValidTimeZone('Europe/Amsterdam'))
  t.ok(isValidTimeZone('Europe/Stockholm'))
  t.ok(isValidTimeZone('UTC'))
  t.ok(isValidTimeZone('America/Argentina/Buenos_Aires'))
  for (const bad of ['', 'Mars/Olympus_Mons', 'Europe/Amsterdamm', '+01:00', '-05:00', 'Europe/', '/Europe/Amsterdam', 'Europe/Amsterdam\n']) {
    t.notOk(isValidTimeZone(bad), `${JSON.stringify(bad)} is no zone`)
  }
  t.equal(canonicalTimeZone('europe/amsterdam'), 'Europe/Amsterdam', 'the spelling Intl uses')
  t.equal(canonicalTimeZone('nowhere'), null)
})

t.test('an unknown zone is a typed error, not a wrong time', async t => {
  t.throws(() => localToUtc('2026-09-01T19:30', 'Mars/Olympus_Mons'), TimeZoneError)
  t.throws(() => utcToLocal(new Date(), 'Nowhere'), { name: 'TimeZoneError', timeZone: 'Nowhere' })
})
