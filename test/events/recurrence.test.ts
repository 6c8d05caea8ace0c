import t from 'tap'
import {
  REPEATS,
  describeRepeat,
  isRepeat,
  nextOccurrences,
  repeatRule,
  startFitsRepeat,
  toRRule,
  type Repeat,
  type Series
} from '../../src/events/recurrence.js'
import { localToUtc, utcToLocal } from '../../src/events/time.js'

const AMS = 'Europe/Amsterdam'
const at = (local: string, zone = AMS): Date => localToUtc(local, zone)!

function series (start: string, end: string, repeat: Repeat | null, zone = AMS): Series {
  return { start: at(start, zone), end: at(end, zone), repeat, timeZone: zone }
}

/** Occurrences as "local start/local end" in the series' zone. */
function locals (s: Series, from: Date, count: number): string[] {
  return nextOccurrences(s, from, count).map(o => `${utcToLocal(o.start, s.timeZone)}/${utcToLocal(o.end, s.timeZone)}`)
}

t.test('the repeat values', async t => {
  t.same(REPEATS, ['weekly', 'monthly_nth', 'monthly_last'])
  t.ok(isRepeat('weekly'))
  t.notOk(isRepeat(''))
  t.notOk(isRepeat('daily'))
  t.notOk(isRepeat(null))
})

t.test('every first Tuesday keeps 19:30 on the wall across the October change', async t => {
  const s = series('2026-09-01T19:30', '2026-09-01T21:30', 'monthly_nth')
  const list = nextOccurrences(s, s.start, 5)
  t.same(list.map(o => o.start.toISOString()), [
    '2026-09-01T17:30:00.000Z',
    '2026-10-06T17:30:00.000Z',
    '2026-11-03T18:30:00.000Z',
    '2026-12-01T18:30:00.000Z',
    '2027-01-05T18:30:00.000Z'
  ], 'UTC moves by an hour after 25 October')
  t.same(locals(s, s.start, 3), ['2026-09-01T19:30/2026-09-01T21:30', '2026-10-06T19:30/2026-10-06T21:30', '2026-11-03T19:30/2026-11-03T21:30'])
  for (const o of list) t.equal(o.end.getTime() - o.start.getTime(), 2 * 3600_000, 'two hours each')
})

t.test('occurrences at or after a given instant', async t => {
  const s = series('2026-09-01T19:30', '2026-09-01T21:30', 'monthly_nth')
  t.same(locals(s, at('2026-10-10T00:00'), 3).map(x => x.slice(0, 16)), ['2026-11-03T19:30', '2026-12-01T19:30', '2027-01-05T19:30'])
  t.same(locals(s, at('2026-10-06T19:30'), 1).map(x => x.slice(0, 16)), ['2026-10-06T19:30'], 'one starting exactly then counts')
  t.same(locals(s, at('2026-10-06T19:31'), 1).map(x => x.slice(0, 16)), ['2026-11-03T19:30'], 'one that has begun does not')
  t.same(locals(s, at('2030-06-15T12:00'), 2).map(x => x.slice(0, 16)), ['2030-07-02T19:30', '2030-08-06T19:30'], 'years later')
  t.same(locals(s, at('2020-01-01T00:00'), 1).map(x => x.slice(0, 16)), ['2026-09-01T19:30'], 'before the first: the first')
  t.same(nextOccurrences(s, s.start, 0), [], 'none asked, none given')
})

t.test('an event that does not repeat happens once', async t => {
  const s = series('2026-09-01T19:30', '2026-09-01T21:30', null)
  t.equal(nextOccurrences(s, at('2026-08-01T00:00'), 5).length, 1)
  t.same(nextOccurrences(s, at('2026-09-02T00:00'), 5), [], 'nothing once it has begun')
})

t.test('every last Thursday', async t => {
  const s = series('2026-09-24T20:00', '2026-09-24T22:00', 'monthly_last')
  t.same(locals(s, s.start, 5).map(x => x.slice(0, 10)), ['2026-09-24', '2026-10-29', '2026-11-26', '2026-12-31', '2027-01-28'])
  t.same(nextOccurrences(s, s.start, 3).map(o => o.start.toISOString()),
    ['2026-09-24T18:00:00.000Z', '2026-10-29T19:00:00.000Z', '2026-11-26T19:00:00.000Z'])
})

t.test('monthly_last from a start that is not the last: the start, then the last ones', async t => {
  const s = series('2026-09-08T19:30', '2026-09-08T21:30', 'monthly_last')
  t.same(locals(s, s.start, 3).map(x => x.slice(0, 10)), ['2026-09-08', '2026-09-29', '2026-10-27'])
  t.notOk(startFitsRepeat('monthly_last', s.start, AMS), 'such a start does not fit its rule')
})

t.test('which starts fit their rule', async t => {
  t.ok(startFitsRepeat('monthly_last', at('2026-09-29T19:30'), AMS), 'the fifth and last Tuesday')
  t.ok(startFitsRepeat('monthly_last', at('2026-11-24T19:30'), AMS), 'a fourth Tuesday that is the last')
  t.notOk(startFitsRepeat('monthly_last', at('2026-09-22T19:30'), AMS), 'a fourth Tuesday with a fifth after it')
  // 00:30 on Thursday 1 October in Amsterdam is still Wednesday 30 September, a last Wednesday, in UTC.
  t.notOk(startFitsRepeat('monthly_last', at('2026-10-01T00:30'), AMS), 'the local date counts, not the UTC one')
  t.ok(startFitsRepeat('weekly', at('2026-09-08T19:30'), AMS))
  t.ok(startFitsRepeat('monthly_nth', at('2026-09-08T19:30'), AMS))
})

t.test('a start on a fifth weekday repeats on the last such weekday', async t => {
  const s = series('2026-09-29T19:30', '2026-09-29T21:30', 'monthly_nth')
  t.same(repeatRule('monthly_nth', s.start, AMS), { weekday: 2, position: -1 })
  t.same(locals(s, s.start, 5).map(x => x.slice(0, 10)), ['2026-09-29', '2026-10-27', '2026-11-24', '2026-12-29', '2027-01-26'],
    'months without a fifth Tuesday are not skipped')
  t.equal(toRRule('monthly_nth', s.start, AMS), 'FREQ=MONTHLY;BYDAY=-1TU')
  t.equal(describeRepeat('monthly_nth', s.start, AMS, 'nl'), 'iedere laatste dinsdag van de maand')
})

t.test('every week across the March change keeps 19:30', async t => {
  const s = series('2026-03-17T19:30', '2026-03-17T21:00', 'weekly')
  t.same(nextOccurrences(s, s.start, 4).map(o => o.start.toISOString()), [
    '2026-03-17T18:30:00.000Z',
    '2026-03-24T18:30:00.000Z',
    '2026-03-31T17:30:00.000Z',
    '2026-04-07T17:30:00.000Z'
  ])
  t.same(locals(s, at('2026-06-01T00:00'), 2), ['2026-06-02T19:30/2026-06-02T21:00', '2026-06-09T19:30/2026-06-09T21:00'])
})

t.test('a weekly 02:30 falls in the spring gap once, then is back at 02:30', async t => {
  const s = series('2026-03-22T02:30', '2026-03-22T03:30', 'weekly')
  t.same(locals(s, s.start, 3).map(x => x.slice(0, 16)), ['2026-03-22T02:30', '2026-03-29T03:30', '2026-04-05T02:30'])
})

t.test('the rule follows the local weekday, not the UTC one', async t => {
  // 00:30 on Tuesday in Amsterdam is still Monday in UTC.
  const start = at('2026-09-01T00:30')
  t.equal(start.getUTCDay(), 1)
  t.equal(toRRule('weekly', start, AMS), 'FREQ=WEEKLY;BYDAY=TU')
  t.equal(toRRule('monthly_nth', start, AMS), 'FREQ=MONTHLY;BYDAY=1TU')
  const s = series('2026-09-01T00:30', '2026-09-01T01:30', 'monthly_nth')
  t.same(locals(s, s.start, 2).map(x => x.slice(0, 16)), ['2026-09-01T00:30', '2026-10-06T00:30'])
})

t.test('RRULE strings', async t => {
  t.equal(toRRule('weekly', at('2026-09-01T19:30'), AMS), 'FREQ=WEEKLY;BYDAY=TU')
  t.equal(toRRule('monthly_nth', at('2026-09-01T19:30'), AMS), 'FREQ=MONTHLY;BYDAY=1TU')
  t.equal(toRRule('monthly_nth', at('2026-09-09T19:30'), AMS), 'FREQ=MONTHLY;BYDAY=2WE')
  t.equal(toRRule('monthly_nth', at('2026-09-19T10:00'), AMS), 'FREQ=MONTHLY;BYDAY=3SA')
  t.equal(toRRule('monthly_nth', at('2026-09-28T10:00'), AMS), 'FREQ=MONTHLY;BYDAY=4MO')
  t.equal(toRRule('monthly_last', at('2026-09-01T19:30'), AMS), 'FREQ=MONTHLY;BYDAY=-1TU')
  t.equal(toRRule('monthly_last', at('2026-09-27T11:00'), AMS), 'FREQ=MONTHLY;BYDAY=-1SU')
})

t.test('descriptions in Dutch, English and Swedish', async t => {
  const firstTuesday = at('2026-09-01T19:30')
  const cases: Array<[Repeat, Date, string, string, string]> = [
    ['monthly_nth', firstTuesday, 'iedere eerste dinsdag van de maand', 'every first Tuesday of the month', 'varje första tisdag i månaden'],
    ['weekly', firstTuesday, 'iedere week op dinsdag', 'every week on Tuesday', 'varje vecka på tisdag'],
    ['monthly_last', firstTuesday, 'iedere laatste dinsdag van de maand', 'every last Tuesday of the month', 'varje sista tisdag i månaden'],
    ['monthly_nth', at('2026-09-09T19:30'), 'iedere tweede woensdag van de maand', 'every second Wednesday of the month', 'varje andra onsdag i månaden'],
    ['monthly_nth', at('2026-09-17T19:30'), 'iedere derde donderdag van de maand', 'every third Thursday of the month', 'varje tredje torsdag i månaden'],
    ['monthly_nth', at('2026-09-26T10:00'), 'iedere vierde zaterdag van de maand', 'every fourth Saturday of the month', 'varje fjärde lördag i månaden'],
    ['weekly', at('2026-09-06T10:00'), 'iedere week op zondag', 'every week on Sunday', 'varje vecka på söndag'],
    ['weekly', at('2026-09-07T10:00'), 'iedere week op maandag', 'every week on Monday', 'varje vecka på måndag'],
    ['weekly', at('2026-09-04T10:00'), 'iedere week op vrijdag', 'every week on Friday', 'varje vecka på fredag']
  ]
  for (const [repeat, start, nl, en, sv] of cases) {
    t.equal(describeRepeat(repeat, start, AMS, 'nl'), nl)
    t.equal(describeRepeat(repeat, start, AMS, 'en'), en)
    t.equal(describeRepeat(repeat, start, AMS, 'sv'), sv)
  }
})
