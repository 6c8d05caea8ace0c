import type { DB } from '../db/index.js'
import type { Locale } from '../config.js'
import type { MailContent } from '../mail/outbox.js'
import { eventReminderMail } from '../mail/templates.js'
import { translator } from '../lib/i18n.js'
import { listEventsNotOver, listReminderRecipients, markReminded } from '../models/events.js'
import { nextOccurrences } from '../events/recurrence.js'
import { describeOccurrence } from '../events/display.js'

const DAY = 24 * 3600_000

/**
 * The day before each occurrence, everyone going gets a reminder (one who says they go on
 * the day itself, at once). Each member is reminded of an occurrence once: the mail and the
 * mark are written in one transaction, so a restart neither loses nor repeats them.
 */
export async function sendEventReminders (db: DB, enqueue: (trx: DB, mail: MailContent) => Promise<void>,
  context: { baseUrl: string, siteLocale: Locale }, now = Date.now()): Promise<number> {
  let sent = 0
  for (const event of await listEventsNotOver(db, 'all', now, 10_000)) {
    const series = { start: new Date(event.starts_at), end: new Date(event.ends_at), repeat: event.repeat, timeZone: event.time_zone }
    const [next] = nextOccurrences(series, new Date(now), 1)
    if (next === undefined || next.start.getTime() - now > DAY) continue
    const recipients = await listReminderRecipients(db, event, next.start.getTime(), now)
    if (recipients.length === 0) continue
    await db.transaction().execute(async trx => {
      for (const member of recipients) {
        if (!await markReminded(trx, event.topic_id, member.id, next.start.getTime())) continue
        sent++
        const locale = member.locale ?? context.siteLocale
        await enqueue(trx, eventReminderMail(translator(locale), context.baseUrl, {
          to: member.email, username: member.username, title: event.title, place: event.place,
          when: describeOccurrence(next, event.time_zone, locale), url: `${context.baseUrl}/topic/${event.slug}#event`
        }))
      }
    })
  }
  return sent
}
