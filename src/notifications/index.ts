import { sendEventReminders } from './reminders.js'
import fp from 'fastify-plugin'
import type { DB } from '../db/index.js'
import { loadOrCreateSecret } from '../models/settings.js'
import { backgroundRounds } from '../lib/rounds.js'
import { fanOutPost, HARD_BOUNCE_LIMIT, listPostsToFanOut, type FanOutPost } from './fan-out.js'
import { listDueNotificationMails, markNotificationMailed, notificationMail, unsubscribeToken } from './mails.js'
import { translator } from '../lib/i18n.js'
import { postMail } from '../mail/templates.js'
import { composeDigest, digestLines, listDigestsDue, markDigestSent } from './digests.js'
import { readsThisForum } from '../models/readable.js'
import { replyAddressFor } from '../mail/reply-keys.js'

declare module 'fastify' {
  interface FastifyInstance {
    notifier: {
      /** Fans out new posts and sends due notification mails soon, without the caller waiting. */
      wake: () => void
      /** One full round now (for tests and the CLI). */
      flush: () => Promise<void>
      /** Verifies an unsubscribe link's token: the member it was made for, or null. */
      unsubscriber: (token: string) => number | null
      /** Signs unsubscribe links and reply-by-mail keys. */
      secret: () => Promise<string>
    }
  }
}

const ROUND_EVERY_MS = 30_000
/** Posts or mails per round's transaction: enough to share a commit, few enough not to hold up pages. */
const BATCH = 20

/**
 * Notifications in the background: a post is acknowledged as soon as it is stored, and this
 * worker then tells its followers (see fan-out.ts), mails mailing-list members, later
 * sends the notification mails that are due (see mails.ts), and the daily and weekly digests
 * (see digests.ts). Work waits in the database, so a
 * restart loses none of it.
 */
export default fp(async app => {
  const secret = await loadOrCreateSecret(app.db)
  const context = { baseUrl: app.config.baseUrl, host: app.mailer.host, secret, siteLocale: app.config.locale }

  /** With reply by mail on, answering a mail posts in the topic (see mail/inbound.ts). */
  const replyTo = (userId: number, postId: number): Record<string, string> =>
    app.config.mailReplyAddress === null ? {} : { 'Reply-To': replyAddressFor(app.config.mailReplyAddress, secret, userId, postId) }

  /** Every post of every forum to members who read the forum as a mailing list. */
  async function mailingListMails (trx: DB, post: FanOutPost): Promise<void> {
    const members = await trx.selectFrom('users').select(['id', 'email', 'locale']).where('email_mode', '=', 'mailing_list')
      .where('id', '!=', post.author_id).where('email_confirmed_at', 'is not', null).where('hard_bounces', '<', HARD_BOUNCE_LIMIT)
      .where(eb => eb.not(eb.exists(eb.selectFrom('user_mutes').select('user_mutes.user_id')
        .whereRef('user_mutes.user_id', '=', 'users.id').where('user_mutes.muted_user_id', '=', post.author_id))))
      .where(readsThisForum(post.forum_id, { column: 'users.id' }))
      .execute()
    if (members.length === 0) return
    const about = await trx.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id').innerJoin('forums', 'forums.id', 'topics.forum_id')
      .innerJoin('users', 'users.id', 'posts.author_id')
      .select(['posts.body_md', 'posts.body_html', 'topics.title', 'forums.slug', 'users.username']).where('posts.id', '=', post.id).executeTakeFirstOrThrow()
    for (const member of members) {
      const root = `<t${post.topic_id}.u${member.id}@${context.host}>`
      const unsubscribeUrl = `${context.baseUrl}/unsubscribe/${unsubscribeToken(secret, member.id)}`
      const mail = postMail(translator(member.locale ?? context.siteLocale), context.baseUrl, {
        to: member.email, kind: 'list', actor: about.username, topicTitle: about.title, isReply: post.position > 1,
        bodyMd: about.body_md, bodyHtml: about.body_html, postUrl: `${context.baseUrl}/post/${post.id}`, unsubscribeUrl
      })
      await app.mailer.enqueue(trx, {
        ...mail,
        messageId: post.position === 1 ? root : `<p${post.id}.u${member.id}@${context.host}>`,
        headers: {
          ...replyTo(member.id, post.id),
          ...(post.position === 1 ? {} : { 'In-Reply-To': root, References: root }),
          'List-Id': `<${about.slug}.${context.host}>`, 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click'
        }
      })
    }
  }

  // On close, the round stops after the item in hand; the rest waits in the database.
  async function work (closing: () => boolean): Promise<void> {
    const delayMs = app.settings.mail_delay_minutes * 60_000
    // A batch shares one transaction, so one wait for the disk: under load, a round finds
    // several posts and mails waiting, and committing each alone cost more than making it.
    for (let posts = await listPostsToFanOut(app.db, BATCH); posts.length > 0; posts = await listPostsToFanOut(app.db, BATCH)) {
      if (closing()) return
      await app.db.transaction().execute(async trx => {
        for (const post of posts) await fanOutPost(trx, post, delayMs, (trx, visible) => visible ? mailingListMails(trx, post) : Promise.resolve())
      })
    }
    for (let due = await listDueNotificationMails(app.db, BATCH); due.length > 0; due = await listDueNotificationMails(app.db, BATCH)) {
      if (closing()) return
      await app.db.transaction().execute(async trx => {
        for (const item of due) {
          if (!await markNotificationMailed(trx, item.id)) continue
          const mail = notificationMail(item, context)
          if (mail && item.post_id !== null) Object.assign(mail.headers!, replyTo(item.user_id, item.post_id))
          if (mail) await app.mailer.enqueue(trx, mail)
        }
      })
    }
    for (const member of await listDigestsDue(app.db, BATCH)) {
      const mail = composeDigest(member, await digestLines(app.db, member), context)
      await app.db.transaction().execute(async trx => {
        if (await markDigestSent(trx, member) && mail) await app.mailer.enqueue(trx, mail)
      })
    }
    await sendEventReminders(app.db, app.mailer.enqueue, context)
    app.mailer.wake()
  }

  const rounds = backgroundRounds(app, 'notification', ROUND_EVERY_MS, work)

  app.decorate('notifier', {
    wake: rounds.wake,
    flush: rounds.flush,
    secret: async () => secret,
    unsubscriber: (token: string) => {
      const userId = Number(token.split('.')[0])
      return Number.isSafeInteger(userId) && userId > 0 && unsubscribeToken(secret, userId) === token ? userId : null
    }
  })

}, { name: 'notifier', dependencies: ['database', 'mail'] })
