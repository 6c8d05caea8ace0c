import type { DB } from '../db/index.js'
import type { Locale } from '../config.js'
import { translator } from '../lib/i18n.js'
import type { MailContent } from '../mail/outbox.js'
import { digestMail } from '../mail/templates.js'
import { unsubscribeToken } from './mails.js'
import { inReadableForum } from '../models/readable.js'
import { HARD_BOUNCE_LIMIT } from './fan-out.js'

const DAY = 24 * 3600_000
export const DIGEST_PERIOD_MS = { daily: DAY, weekly: 7 * DAY } as const

interface DigestMember { id: number, username: string, email: string, locale: Locale | null, email_mode: 'daily' | 'weekly', last_digest_at: number | null }

/** Members whose daily or weekly digest is due: never sent, or sent a period ago. */
export async function listDigestsDue (db: DB, limit: number, now = Date.now()): Promise<DigestMember[]> {
  return db.selectFrom('users').select(['id', 'username', 'email', 'locale', 'email_mode', 'last_digest_at'])
    .where('email_confirmed_at', 'is not', null).where('hard_bounces', '<', HARD_BOUNCE_LIMIT)
    .where(eb => eb.or([
      eb.and([eb('email_mode', '=', 'daily'), eb.or([eb('last_digest_at', 'is', null), eb('last_digest_at', '<=', now - DIGEST_PERIOD_MS.daily)])]),
      eb.and([eb('email_mode', '=', 'weekly'), eb.or([eb('last_digest_at', 'is', null), eb('last_digest_at', '<=', now - DIGEST_PERIOD_MS.weekly)])])
    ]))
    .orderBy('id').limit(limit).execute() as Promise<DigestMember[]>
}

export interface DigestLine { title: string, slug: string, count: number }

/**
 * What is new for a member since their last digest: their unread notifications, by topic,
 * in what they may still read; with none, the busiest topics of the period.
 */
export async function digestLines (db: DB, member: DigestMember, now = Date.now()): Promise<{ followed: DigestLine[], popular: DigestLine[] }> {
  const since = member.last_digest_at ?? now - DIGEST_PERIOD_MS[member.email_mode]
  const followed = await db.selectFrom('notifications as n')
    .innerJoin('posts', 'posts.id', 'n.post_id').innerJoin('topics', 'topics.id', 'n.topic_id')
    .select(eb => ['topics.title', 'topics.slug', eb.fn.countAll<number>().as('count')])
    .where('n.user_id', '=', member.id).where('n.read_at', 'is', null).where('n.created_at', '>', since)
    .where('posts.visible_position', 'is not', null).where('topics.hidden', '=', 0).where('topics.queued', '=', 0)
    .where(inReadableForum('topics.forum_id', member.id, now))
    .groupBy('topics.id').orderBy('count', 'desc').limit(20).execute()
  if (followed.length > 0) return { followed: followed.map(line => ({ ...line, count: Number(line.count) })), popular: [] }
  const popular = await db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id')
    .select(eb => ['topics.title', 'topics.slug', eb.fn.countAll<number>().as('count')])
    .where('posts.created_at', '>', since).where('posts.visible_position', 'is not', null).where('posts.author_id', '!=', member.id)
    .where('topics.hidden', '=', 0).where('topics.queued', '=', 0)
    .where(inReadableForum('topics.forum_id', member.id, now))
    .groupBy('topics.id').orderBy('count', 'desc').limit(5).execute()
  return { followed: [], popular: popular.map(line => ({ ...line, count: Number(line.count) })) }
}

/** The digest mail, or null when there is nothing to tell (the period still counts as done). */
export function composeDigest (member: DigestMember, lines: { followed: DigestLine[], popular: DigestLine[] },
  context: { baseUrl: string, secret: string, siteLocale: Locale }): MailContent | null {
  if (lines.followed.length === 0 && lines.popular.length === 0) return null
  const unsubscribeUrl = `${context.baseUrl}/unsubscribe/${unsubscribeToken(context.secret, member.id)}`
  const mail = digestMail(translator(member.locale ?? context.siteLocale), context.baseUrl, {
    to: member.email, username: member.username, period: member.email_mode, ...lines, unsubscribeUrl
  })
  return { ...mail, headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } }
}

/** Claims a member's digest for this period: false when another round sent it since it was listed (the caller then queues nothing). */
export async function markDigestSent (trx: DB, member: Pick<DigestMember, 'id' | 'last_digest_at'>, now = Date.now()): Promise<boolean> {
  const claimed = await trx.updateTable('users').set({ last_digest_at: now }).where('id', '=', member.id)
    .where(eb => member.last_digest_at === null ? eb('last_digest_at', 'is', null) : eb('last_digest_at', '=', member.last_digest_at)).executeTakeFirst()
  return Number(claimed.numUpdatedRows) > 0
}
