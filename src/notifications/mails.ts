import { createHmac } from 'node:crypto'
import type { DB } from '../db/index.js'
import type { Locale } from '../config.js'
import type { NotificationKind } from '../db/schema.js'
import { translator } from '../lib/i18n.js'
import type { MailContent } from '../mail/outbox.js'
import { inReadableForum } from '../models/readable.js'
import { postMail } from '../mail/templates.js'

/** What one notification mail needs, read when it is due (so a post hidden meanwhile is not mailed). */
interface DueMail {
  id: number
  kind: NotificationKind
  read_at: number | null
  user_id: number
  username: string
  email: string
  email_mode: string
  locale: Locale | null
  post_id: number | null
  body_md: string | null
  body_html: string | null
  position: number | null
  visible: number
  topic_id: number | null
  topic_title: string | null
  forum_slug: string | null
  actor: string | null
}

export async function listDueNotificationMails (db: DB, limit: number, now = Date.now()): Promise<DueMail[]> {
  return db.selectFrom('notifications as n')
    .innerJoin('users as member', 'member.id', 'n.user_id')
    .leftJoin('users as actor', 'actor.id', 'n.actor_id')
    .leftJoin('posts', 'posts.id', 'n.post_id')
    .leftJoin('topics', 'topics.id', 'n.topic_id')
    .leftJoin('forums', 'forums.id', 'topics.forum_id')
    .select(eb => [
      'n.id', 'n.kind', 'n.read_at', 'n.user_id', 'member.username', 'member.email', 'member.email_mode', 'member.locale',
      'n.post_id', 'posts.body_md', 'posts.body_html', 'posts.position', 'n.topic_id', 'topics.title as topic_title',
      'forums.slug as forum_slug', 'actor.username as actor',
      eb.and([eb('posts.visible_position', 'is not', null), eb('topics.hidden', '=', 0), eb('topics.queued', '=', 0),
        inReadableForum('topics.forum_id', { column: 'n.user_id' }, now)]).as('visible')
    ])
    .where('n.mailed_at', 'is', null).where('n.mail_after', '<=', now)
    .orderBy('n.mail_after').limit(limit).execute() as Promise<DueMail[]>
}

/** The unsubscribe link's token: it switches one setting (mail) of one member, and nothing else. */
export function unsubscribeToken (secret: string, userId: number): string {
  const mac = createHmac('sha256', secret).update(`unsubscribe:${userId}`).digest('base64url').slice(0, 32)
  return `${userId}.${mac}`
}

/**
 * The mail for a due notification, threaded per topic and member: the topic's first post is
 * `<tTOPIC.uMEMBER@host>`, every later mail refers to it. Null when it must not go out: read
 * on the site meanwhile, the member no longer wants mail at once, or the post is out of sight.
 */
export function notificationMail (due: DueMail, context: { baseUrl: string, host: string, secret: string, siteLocale: Locale }): MailContent | null {
  if (due.read_at !== null || due.email_mode !== 'immediately' || !due.visible || due.post_id === null || due.topic_id === null) return null
  const i18n = translator(due.locale ?? context.siteLocale)
  const root = `<t${due.topic_id}.u${due.user_id}@${context.host}>`
  const unsubscribe = `${context.baseUrl}/unsubscribe/${unsubscribeToken(context.secret, due.user_id)}`
  const mail = postMail(i18n, context.baseUrl, {
    to: due.email,
    kind: due.kind,
    actor: due.actor ?? '',
    topicTitle: due.topic_title ?? '',
    isReply: (due.position ?? 1) > 1,
    bodyMd: due.body_md ?? '',
    bodyHtml: due.body_html ?? '',
    postUrl: `${context.baseUrl}/post/${due.post_id}`,
    unsubscribeUrl: unsubscribe
  })
  const first = due.position === 1
  return {
    ...mail,
    messageId: first ? root : `<p${due.post_id}.u${due.user_id}@${context.host}>`,
    headers: {
      ...(first ? {} : { 'In-Reply-To': root, References: root }),
      'List-Id': `<${due.forum_slug ?? 'forum'}.${context.host}>`,
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click'
    }
  }
}

/**
 * Claims a notification's mail: false when it was mailed already (by another round, or another
 * process on a shared database), so the caller queues nothing. Call it before queueing, in one transaction.
 */
export async function markNotificationMailed (trx: DB, id: number, now = Date.now()): Promise<boolean> {
  const claimed = await trx.updateTable('notifications').set({ mailed_at: now }).where('id', '=', id).where('mailed_at', 'is', null).executeTakeFirst()
  return Number(claimed.numUpdatedRows) > 0
}
