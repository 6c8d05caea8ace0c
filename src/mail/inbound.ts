import type { FastifyInstance } from 'fastify'
import type { User } from '../db/schema.js'
import PostalMime, { type Email } from 'postal-mime'
import { translatorFor } from '../lib/i18n.js'
import { checkBody, checkTitle } from '../lib/validation.js'
import { can, hasRole } from '../permissions.js'
import { findPostById, createReply } from '../models/posts.js'
import { createTopic, findTopicBySlug } from '../models/topics.js'
import { findReadableForum } from '../models/readable.js'
import { countHardBounce, findUserByEmail, findUserById, listModeratedForumIds } from '../models/users.js'
import { preparePost, writePost } from '../routes/posting.js'
import { canSeeTopic } from '../routes/topics.js'
import { replyRefusedMail } from './templates.js'
import { trimReply } from './reply-trimmer.js'
import { MAX_INBOUND_BYTES, readReplyKey } from './reply-keys.js'


/** What became of a mail: posted, ignored (auto-replies, bounces, duplicates), refused (the member is told why by mail), or rejected (the sender is told no). */
export type InboundOutcome =
  | { status: 'posted', postId: number }
  | { status: 'ignored', reason: string }
  | { status: 'refused', reason: string }
  | { status: 'rejected', reason: string }

const AUTO_SUBJECT = /^(auto(matic)?( reply| antwoord)?:|automatisch antwoord|autosvar|out of office|afwezig|frånvaro|abwesenheit|delivery status notification|undeliverable|onbestelbaar|returned mail|mail delivery failed)/i

/** Auto-replies, vacation notices and bounces: never posted, never answered (RFC 3834 and what mail programs do). */
function isAutomatic (mail: Email, raw: string): boolean {
  const header = (name: string): string => mail.headers.find(h => h.key === name)?.value.toLowerCase() ?? ''
  const from = mail.from?.address?.toLowerCase() ?? ''
  return (header('auto-submitted') !== '' && header('auto-submitted') !== 'no') ||
    ['bulk', 'list', 'junk', 'auto_reply'].includes(header('precedence')) ||
    header('x-autoreply') !== '' || header('x-autorespond') !== '' || header('x-auto-response-suppress').includes('all') ||
    /^(mailer-daemon|postmaster|noreply|no-reply)@/.test(from) || from === '' ||
    /content-type:\s*multipart\/report/i.test(raw.slice(0, 4000)) ||
    AUTO_SUBJECT.test((mail.subject ?? '').trim())
}

/** The address a delivery status report (RFC 3464) says failed for good (status 5.x.x), or null. */
function hardBounceOf (raw: string): string | null {
  if (!/content-type:\s*multipart\/report/i.test(raw.slice(0, 8000))) return null
  const recipient = /^Final-Recipient:\s*rfc822;\s*<?([^\s>]+@[^\s>]+)>?/im.exec(raw)?.[1]
  const permanent = /^Status:\s*5\.\d{1,3}\.\d{1,3}/im.test(raw)
  return recipient && permanent ? recipient : null
}

/** A mail that cannot be posted is answered: why, and the text, so nothing typed is lost. */
async function refuseByMail (app: FastifyInstance, member: User, mail: Email, reason: string, body: string): Promise<InboundOutcome> {
  const i18n = translatorFor(member, app.config.locale)
  await app.db.transaction().execute(trx => app.mailer.enqueue(trx, replyRefusedMail(i18n, app.config.baseUrl, member.email, i18n.t(reason), body, mail.subject ?? '')))
  app.mailer.wake()
  return { status: 'refused', reason }
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function textOf (mail: Email): string | null {
  if (mail.text && mail.text.trim() !== '') return mail.text
  if (!mail.html) return null
  return mail.html.replace(/<(br|\/p|\/div)\s*\/?>/gi, '\n').replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&')
}

/**
 * Takes in one mail (from `kring mail-in` or the SMTP listener): a reply by mail to a post,
 * posted under every rule of the web form, or refused with a mail that says why and holds the text.
 */
export async function receiveMail (app: FastifyInstance, raw: Buffer, envelopeTo: string[] = []): Promise<InboundOutcome> {
  if (raw.length > MAX_INBOUND_BYTES) return { status: 'rejected', reason: 'too large' }
  let mail: Email
  try {
    mail = await PostalMime.parse(raw)
  } catch {
    return { status: 'rejected', reason: 'not a mail message' }
  }
  const text = raw.toString('latin1')
  const bounced = hardBounceOf(text)
  if (bounced !== null) {
    // A permanent failure counts against the address; after a few, mail to it stops.
    await countHardBounce(app.db, bounced)
    return { status: 'ignored', reason: 'a bounce (counted)' }
  }
  if (isAutomatic(mail, text)) return { status: 'ignored', reason: 'an automatic reply or a bounce' }
  const messageId = mail.messageId?.trim()
  if (messageId && await app.db.selectFrom('inbound_mails').select('message_id').where('message_id', '=', messageId).executeTakeFirst()) {
    return { status: 'ignored', reason: 'already received' }
  }
  const template = app.config.mailReplyAddress
  if (template === null) return { status: 'rejected', reason: 'reply by mail is off (MAIL_REPLY_ADDRESS is not set)' }
  const outcome = await postReply(app, mail, template, envelopeTo)
  if (messageId && outcome.status !== 'rejected') {
    await app.db.insertInto('inbound_mails').values({ message_id: messageId, received_at: Date.now(), outcome: outcome.status })
      .onConflict(oc => oc.doNothing()).execute()
  }
  return outcome
}

async function postReply (app: FastifyInstance, mail: Email, template: string, envelopeTo: string[]): Promise<InboundOutcome> {
  const [local, domain] = template.split('@')
  const pattern = new RegExp(`^${escapeRegExp(local).replace('%\\{key\\}', '([0-9a-f-]+)')}@${escapeRegExp(domain)}$`, 'i')
  const recipients = [...envelopeTo, ...(mail.to ?? []), ...(mail.cc ?? []), ...(mail.deliveredTo ? [mail.deliveredTo] : [])]
    .map(r => (typeof r === 'string' ? r : r.address ?? '').trim())
  const forumAddress = new RegExp(`^forum\\+([a-z0-9-]{1,100})@${escapeRegExp(domain)}$`, 'i')
  const forumSlug = recipients.map(address => forumAddress.exec(address)?.[1]).find(Boolean)
  if (forumSlug) return startTopic(app, mail, forumSlug.toLowerCase())
  const key = recipients.map(address => pattern.exec(address)?.[1]).find(Boolean)
  if (!key) return { status: 'rejected', reason: 'no reply address of this forum' }
  const secret = await app.notifier.secret()
  const found = readReplyKey(secret, key)
  if (!found) return { status: 'rejected', reason: 'unknown reply address' }
  const user = await findUserById(app.db, found.userId)
  if (!user) return { status: 'rejected', reason: 'unknown reply address' }
  // As the session does for the web: a moderator limited to some forums moderates only those.
  const member = hasRole(user, 'moderator') ? { ...user, moderatedForumIds: await listModeratedForumIds(app.db, user.id) } : user
  // The key was made for this member: a mail from anyone else is not theirs to post.
  if ((mail.from?.address ?? '').toLowerCase() !== member.email.toLowerCase()) return { status: 'rejected', reason: 'the sender is not the member this address is for' }

  const refuse = (reason: string, body: string): Promise<InboundOutcome> => refuseByMail(app, member, mail, reason, body)
  const text = textOf(mail)
  if (text === null) return refuse('mail_in.no_text', '')
  const body = trimReply(text)
  const post = await findPostById(app.db, found.postId)
  const topic = post ? await findTopicBySlug(app.db, post.topic_slug) : undefined
  if (!post || !topic || !await canSeeTopic(app.db, member, topic)) return refuse('mail_in.gone', body)
  const bodyError = checkBody(body)
  if (bodyError) return refuse(bodyError, body)
  const allowed = can(member, { do: 'topic.reply', topic })
  if (!allowed.ok) return refuse(allowed.reason, body)
  const prepared = await preparePost(app, member, body, false)
  if (!prepared.ok) return refuse(Object.values(prepared.errors)[0] ?? 'mail_in.gone', body)
  const { bodyHtml, queued, expectedLastPostAt } = prepared
  const written = await writePost(app, member, () => createReply(app.db, { topicId: topic.id, authorId: member.id, bodyMd: body, bodyHtml, queued, expectedLastPostAt, notify: true }), () => topic.id)
  if (!written.ok) return refuse(Object.values(written.errors)[0] ?? 'mail_in.gone', body)
  return { status: 'posted', postId: written.value.id }
}

/**
 * A mail to a forum's own address (forum+SLUG@…) starts a topic there, for networks that lived
 * on a mailing list. With no key to prove the sender, the receiving MTA's verdict must: an
 * Authentication-Results header with a DMARC or DKIM pass (the MTA adds it and drops any that came with the mail).
 */
async function startTopic (app: FastifyInstance, mail: Email, forumSlug: string): Promise<InboundOutcome> {
  const verdicts = mail.headers.filter(h => h.key === 'authentication-results').map(h => h.value.toLowerCase())
  if (!verdicts.some(v => /\b(dmarc|dkim)=pass\b/.test(v))) return { status: 'rejected', reason: 'the sender could not be verified (no DMARC or DKIM pass)' }
  const member = await findUserByEmail(app.db, mail.from?.address ?? '')
  if (!member || member.email_confirmed_at === null) return { status: 'rejected', reason: 'the sender is not a member' }
  // A private forum is no address for someone outside its group: the same answer as no forum at all.
  const forum = await findReadableForum(app.db, member, forumSlug)
  if (!forum) return { status: 'rejected', reason: 'no such forum' }
  const refuse = (reason: string, body: string): Promise<InboundOutcome> => refuseByMail(app, member, mail, reason, body)
  const text = textOf(mail)
  if (text === null) return refuse('mail_in.no_text', '')
  const body = trimReply(text)
  const title = (mail.subject ?? '').replace(/^\s*((re|fw|fwd|aw|sv|vs|antw|doorst)\s*:\s*)+/i, '').trim()
  const error = checkTitle(title) ?? checkBody(body)
  if (error) return refuse(error, body)
  const allowed = can(member, { do: 'topic.create' })
  if (!allowed.ok) return refuse(allowed.reason, body)
  const prepared = await preparePost(app, member, body, true)
  if (!prepared.ok) return refuse(Object.values(prepared.errors)[0] ?? 'mail_in.gone', body)
  const { bodyHtml, queued, expectedLastPostAt } = prepared
  const written = await writePost(app, member, () => createTopic(app.db, { forumId: forum.id, authorId: member.id, title, bodyMd: body, bodyHtml, queued, expectedLastPostAt, notify: true }), value => value.topic.id)
  if (!written.ok) return refuse(Object.values(written.errors)[0] ?? 'mail_in.gone', body)
  return { status: 'posted', postId: written.value.post.id }
}
