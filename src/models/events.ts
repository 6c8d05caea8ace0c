import type { DB } from '../db/index.js'
import type { Selectable } from 'kysely'
import type { EventAnswerStatus, EventRepeat, EventsTable } from '../db/schema.js'
import { inReadableForum, readsThisForum } from './readable.js'

export type StoredEvent = Selectable<EventsTable>

/** An event as the new-topic and edit forms give it (see events/form.ts). */
export interface EventInput {
  localStart: string
  localEnd: string
  start: Date
  end: Date
  timeZone: string
  place: string
  capacity: number | null
  repeat: EventRepeat | null
}

export async function findEvent (db: DB, topicId: number): Promise<StoredEvent | undefined> {
  return db.selectFrom('events').selectAll().where('topic_id', '=', topicId).executeTakeFirst()
}

/**
 * Gives a topic its event, changes it, or (null) takes it away, inside the caller's
 * transaction. A larger capacity lets the waiting line move up. (A changed date is
 * another occurrence, so its reminders go out again: see listReminderRecipients.)
 */
export async function saveEvent (trx: DB, topicId: number, input: EventInput | null, now = Date.now()): Promise<void> {
  if (input === null) {
    await trx.deleteFrom('event_answers').where('topic_id', '=', topicId).execute()
    await trx.deleteFrom('events').where('topic_id', '=', topicId).execute()
    await trx.updateTable('topics').set({ has_event: 0 }).where('id', '=', topicId).execute()
    return
  }
  const row = {
    starts_at: input.start.getTime(), ends_at: input.end.getTime(), local_start: input.localStart, local_end: input.localEnd,
    time_zone: input.timeZone, place: input.place, capacity: input.capacity, repeat: input.repeat, updated_at: now
  }
  await trx.insertInto('events').values({ topic_id: topicId, ...row })
    .onConflict(oc => oc.column('topic_id').doUpdateSet(row)).execute()
  await trx.updateTable('topics').set({ has_event: 1 }).where('id', '=', topicId).execute()
  await fillPlaces(trx, topicId)
}

/**
 * Moves the waiting line up into free places, first come first served, and keeps the counts
 * on the event. A capacity lowered below those going sends the last to answer back into line.
 */
export async function fillPlaces (trx: DB, topicId: number): Promise<number[]> {
  const event = await trx.selectFrom('events').select('capacity').where('topic_id', '=', topicId).executeTakeFirstOrThrow()
  let going = await countAnswers(trx, topicId, 'going')
  if (event.capacity !== null && going > event.capacity) {
    const last = await trx.selectFrom('event_answers').select('user_id').where('topic_id', '=', topicId).where('status', '=', 'going')
      .orderBy('answered_at', 'desc').orderBy('user_id', 'desc').limit(going - event.capacity).execute()
    await trx.updateTable('event_answers').set({ status: 'waiting' }).where('topic_id', '=', topicId).where('user_id', 'in', last.map(row => row.user_id)).execute()
    going = event.capacity
  }
  const free = event.capacity === null ? Number.MAX_SAFE_INTEGER : Math.max(0, event.capacity - going)
  const promoted = free === 0 ? [] : await trx.selectFrom('event_answers').select('user_id').where('topic_id', '=', topicId).where('status', '=', 'waiting')
    .orderBy('answered_at').orderBy('user_id').limit(Math.min(free, 100_000)).execute()
  if (promoted.length > 0) {
    await trx.updateTable('event_answers').set({ status: 'going' }).where('topic_id', '=', topicId)
      .where('user_id', 'in', promoted.map(row => row.user_id)).execute()
  }
  await trx.updateTable('events').set({ going_count: going + promoted.length, waiting_count: await countAnswers(trx, topicId, 'waiting') })
    .where('topic_id', '=', topicId).execute()
  return promoted.map(row => row.user_id)
}

async function countAnswers (trx: DB, topicId: number, status: EventAnswerStatus): Promise<number> {
  const row = await trx.selectFrom('event_answers').select(eb => eb.fn.countAll<number>().as('n'))
    .where('topic_id', '=', topicId).where('status', '=', status).executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * A member's answer, in one transaction: "going" takes a free place or joins the end of the
 * line (one already in line keeps their place); leaving a place gives it to the first in line.
 * The capacity is never exceeded, however many answer at once: SQLite runs one write at a time.
 */
export async function answerEvent (db: DB, topicId: number, userId: number, wanted: 'going' | 'maybe' | 'not_going', now = Date.now()): Promise<EventAnswerStatus> {
  return db.transaction().execute(async trx => {
    const before = await trx.selectFrom('event_answers').select(['status', 'answered_at']).where('topic_id', '=', topicId).where('user_id', '=', userId).executeTakeFirst()
    let status: EventAnswerStatus = wanted
    let answeredAt = now
    if (wanted === 'going' && (before?.status === 'going' || before?.status === 'waiting')) {
      status = before.status
      answeredAt = before.answered_at
    } else if (wanted === 'going') {
      const event = await trx.selectFrom('events').select('capacity').where('topic_id', '=', topicId).executeTakeFirstOrThrow()
      status = event.capacity !== null && await countAnswers(trx, topicId, 'going') >= event.capacity ? 'waiting' : 'going'
    }
    await trx.insertInto('event_answers').values({ topic_id: topicId, user_id: userId, status, answered_at: answeredAt })
      .onConflict(oc => oc.columns(['topic_id', 'user_id']).doUpdateSet({ status, answered_at: answeredAt })).execute()
    await fillPlaces(trx, topicId)
    return status
  })
}

export interface EventAnswer { user_id: number, username: string, display_name: string, status: EventAnswerStatus }

/** Who answered, the waiting line in its order. */
export async function listEventAnswers (db: DB, topicId: number): Promise<EventAnswer[]> {
  return db.selectFrom('event_answers').innerJoin('users', 'users.id', 'event_answers.user_id')
    .select(['event_answers.user_id', 'users.username', 'users.display_name', 'event_answers.status'])
    .where('event_answers.topic_id', '=', topicId).orderBy('event_answers.answered_at').orderBy('event_answers.user_id').execute()
}

export interface ListedEvent extends StoredEvent { slug: string, title: string, forum_id: number }

/**
 * Events a reader may see that are not over: every repeating one, and single ones that have
 * not ended. The caller orders them by their next date.
 */
export async function listEventsNotOver (db: DB, readerId: number | null | 'all', now = Date.now(), limit = 500): Promise<ListedEvent[]> {
  // CROSS JOIN keeps events as the outer loop in SQLite: there are few of them, and many topics.
  let query = db.selectFrom('events').crossJoin('topics').whereRef('topics.id', '=', 'events.topic_id')
    .selectAll('events').select(['topics.slug', 'topics.title', 'topics.forum_id'])
    .where('topics.hidden', '=', 0).where('topics.queued', '=', 0).where('topics.visible_post_count', '>', 0)
    .where(eb => eb.or([eb('events.repeat', 'is not', null), eb('events.ends_at', '>=', now)]))
  if (readerId !== 'all') query = query.where(inReadableForum('topics.forum_id', readerId))
  return query.orderBy('events.starts_at').limit(limit).execute()
}

/** Claims this member's reminder of this occurrence: false when they were reminded of it already (queue nothing then). */
export async function markReminded (trx: DB, topicId: number, userId: number, occurrenceStart: number): Promise<boolean> {
  const claimed = await trx.updateTable('event_answers').set({ reminded_for: occurrenceStart }).where('topic_id', '=', topicId).where('user_id', '=', userId)
    .where(eb => eb.or([eb('reminded_for', 'is', null), eb('reminded_for', '!=', occurrenceStart)])).executeTakeFirst()
  return Number(claimed.numUpdatedRows) > 0
}

/** Members going to this occurrence who were not reminded of it yet: confirmed addresses that read the event's forum. */
export async function listReminderRecipients (db: DB, event: ListedEvent, occurrenceStart: number, now = Date.now()) {
  return db.selectFrom('event_answers').innerJoin('users', 'users.id', 'event_answers.user_id')
    .select(['users.id', 'users.username', 'users.email', 'users.locale'])
    .where('event_answers.topic_id', '=', event.topic_id).where('event_answers.status', '=', 'going')
    .where(eb => eb.or([eb('event_answers.reminded_for', 'is', null), eb('event_answers.reminded_for', '!=', occurrenceStart)]))
    .where('users.email_confirmed_at', 'is not', null).where('users.email_mode', '!=', 'never')
    .where(readsThisForum(event.forum_id, { column: 'users.id' }, now))
    .execute()
}
