// ical-generator writes a plain Date given with a TZID in the server process's own zone,
// whatever the TZID says. It reads Temporal.ZonedDateTime's fields instead, so we hand it
// the few members of that shape it uses (Node 20 has no Temporal), built with Intl.
import type {
  ICalTemporalInstantStub,
  ICalTemporalPlainDateStub,
  ICalTemporalPlainDateTimeStub,
  ICalTemporalZonedDateTimeStub
} from 'ical-generator'
import { formatLocalDateTime, utcToWallClock, wallClockToUtc, type WallClock } from './time.js'

/** `instant` as a wall-clock time in `timeZone`, in the shape ical-generator takes for a Temporal.ZonedDateTime. */
export function zonedDateTime (instant: Date, timeZone: string): ICalTemporalZonedDateTimeStub {
  const wall = utcToWallClock(instant, timeZone)
  // Every zone in use today is a whole number of minutes off UTC, so seconds are the same everywhere.
  const second = instant.getUTCSeconds()
  const text = `${formatLocalDateTime(wall)}[${timeZone}]`
  return {
    ...wall,
    second,
    timeZoneId: timeZone,
    toInstant: () => instantOf(instant),
    toPlainDateTime: () => plainDateTime(wall, second),
    withTimeZone: zone => zonedDateTime(instant, zone),
    toJSON: () => text,
    toString: () => text
  }
}

function plainDateTime (wall: WallClock, second: number): ICalTemporalPlainDateTimeStub {
  const text = formatLocalDateTime(wall)
  return {
    ...wall,
    second,
    toPlainDate: () => plainDate(wall),
    toZonedDateTime: zone => zonedDateTime(new Date(wallClockToUtc(wall, zone).getTime() + second * 1000), zone),
    toJSON: () => text,
    toString: () => text
  }
}

function plainDate (wall: WallClock): ICalTemporalPlainDateStub {
  const text = formatLocalDateTime(wall).slice(0, 10)
  return { year: wall.year, month: wall.month, day: wall.day, toJSON: () => text, toString: () => text }
}

function instantOf (instant: Date): ICalTemporalInstantStub {
  const text = instant.toISOString()
  return {
    epochMilliseconds: instant.getTime(),
    toZonedDateTimeISO: zone => zonedDateTime(instant, zone),
    toJSON: () => text,
    toString: () => text
  }
}
