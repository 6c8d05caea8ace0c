import type { FieldErrors } from '../lib/validation.js'
import type { EventInput, StoredEvent } from '../models/events.js'
import { isRepeat, startFitsRepeat } from './recurrence.js'
import { localToUtc, parseLocalDateTime } from './time.js'

/** The optional event fields of the new-topic and edit forms (SPEC: event_start … event_repeat). */
export interface EventFields {
  event_start?: string
  event_end?: string
  event_place?: string
  event_capacity?: string
  event_repeat?: string
}
export const EVENT_FIELDS = ['event_start', 'event_end', 'event_place', 'event_capacity', 'event_repeat'] as const

const DAY = 24 * 3600_000
const MAX_PLACE = 300
const MAX_CAPACITY = 100_000

/** Whether the form carried the event fields at all (a form without them leaves an event alone). */
export function hasEventFields (fields: EventFields): boolean {
  return EVENT_FIELDS.some(name => fields[name] !== undefined)
}

/**
 * The event a form describes: null when every field is empty (no event, or the event taken
 * away), or the errors beside the fields. Times are wall clock in the site's zone.
 */
export function parseEventFields (fields: EventFields, timeZone: string): { ok: true, event: EventInput | null } | { ok: false, errors: FieldErrors } {
  const text = (name: keyof EventFields): string => (fields[name] ?? '').trim()
  if (EVENT_FIELDS.every(name => text(name) === '')) return { ok: true, event: null }
  const errors: FieldErrors = {}
  const localStart = text('event_start')
  const localEnd = text('event_end')
  const start = parseLocalDateTime(localStart) === null ? null : localToUtc(localStart, timeZone)
  const end = parseLocalDateTime(localEnd) === null ? null : localToUtc(localEnd, timeZone)
  if (start === null) errors.event_start = localStart === '' ? 'event.start_required' : 'event.bad_time'
  if (end === null) errors.event_end = localEnd === '' ? 'event.end_required' : 'event.bad_time'
  else if (start !== null && end <= start) errors.event_end = 'event.end_before_start'
  else if (start !== null && end.getTime() - start.getTime() > 14 * DAY) errors.event_end = 'event.too_long'
  const repeat = text('event_repeat') === '' ? null : text('event_repeat')
  if (repeat !== null && !isRepeat(repeat)) errors.event_repeat = 'event.bad_repeat'
  else if (repeat === 'weekly' && start !== null && end !== null && end.getTime() - start.getTime() >= 7 * DAY) errors.event_end = 'event.too_long'
  else if (repeat === 'monthly_last' && start !== null && !startFitsRepeat(repeat, start, timeZone)) errors.event_repeat = 'event.not_last_weekday'
  const place = text('event_place')
  if ([...place].length > MAX_PLACE || /[\p{Cc}]/u.test(place)) errors.event_place = 'event.bad_place'
  const capacityText = text('event_capacity')
  const capacity = capacityText === '' ? null : Number(capacityText)
  if (capacity !== null && (!/^\d{1,6}$/.test(capacityText) || capacity < 1 || capacity > MAX_CAPACITY)) errors.event_capacity = 'event.bad_capacity'
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  return { ok: true, event: { localStart, localEnd, start: start!, end: end!, timeZone, place, capacity, repeat: repeat as EventInput['repeat'] } }
}

/** Only the event fields of a form, to give back to it as typed. */
export function eventValues (fields: EventFields): EventFields {
  return Object.fromEntries(EVENT_FIELDS.map(name => [name, fields[name]])) as EventFields
}

/** A stored event as the edit form shows it. */
export function storedEventValues (event: StoredEvent | undefined): EventFields {
  if (event === undefined) return {}
  return { event_start: event.local_start, event_end: event.local_end, event_place: event.place, event_capacity: event.capacity === null ? '' : String(event.capacity), event_repeat: event.repeat ?? '' }
}
