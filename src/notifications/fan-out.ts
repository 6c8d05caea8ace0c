import type { DB } from '../db/index.js'
import type { EmailMode, NotificationKind, WatchLevel } from '../db/schema.js'
import { insertNotifications, type NewNotification } from '../models/notifications.js'
import { listWatchers } from '../models/watches.js'
import { readsThisForum } from '../models/readable.js'
import { userKey } from '../models/users.js'
import { quotedPostIds } from '../lib/quotes.js'

/** A post as the fan-out reads it, with its topic. */
export interface FanOutPost {
  id: number
  topic_id: number
  author_id: number
  position: number
  body_html: string
  created_at: number
  hidden: number
  queued: number
  forum_id: number
  topic_author_id: number
  topic_hidden: number
  topic_queued: number
}

/** After this many hard bounces an address gets no more notification mail, until it changes. */
export const HARD_BOUNCE_LIMIT = 3

/** The stronger reason wins: one notification per member per post. */
const PRIORITY: NotificationKind[] = ['mentioned', 'quoted', 'replied', 'watching', 'new_topic', 'forum_post']

/** The next posts waiting to be fanned out, oldest first. */
export async function listPostsToFanOut (db: DB, limit: number): Promise<FanOutPost[]> {
  return db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id')
    .select(['posts.id', 'posts.topic_id', 'posts.author_id', 'posts.position', 'posts.body_html', 'posts.created_at', 'posts.hidden', 'posts.queued',
      'topics.forum_id', 'topics.author_id as topic_author_id', 'topics.hidden as topic_hidden', 'topics.queued as topic_queued'])
    // Queued posts wait for their approval, and are fanned out then.
    .where('posts.fanned_out', '=', 0).where('posts.queued', '=', 0).where('topics.queued', '=', 0)
    .orderBy('posts.id').limit(limit).execute()
}

/** Members mentioned in a post's rendered HTML (the renderer links only members, outside code and links). */
function mentionedKeys (html: string): string[] {
  return [...new Set([...html.matchAll(/<a class="mention" href="\/user\/([^"]+)"/g)].map(m => userKey(decodeURIComponent(m[1]))))]
}

export interface Recipient { userId: number, kind: NotificationKind, emailMode: EmailMode }

/**
 * Who hears of a new post, and why: the members it mentions, the topic's author (a reply in
 * their topic), who follows the topic, and who follows its forum (every post, or new topics).
 * Never the author; never one who muted the topic or forum (not even for a mention), or the author.
 */
export async function recipientsOf (db: DB, post: FanOutPost): Promise<Recipient[]> {
  const reasons = new Map<number, NotificationKind>()
  const add = (userId: number, kind: NotificationKind): void => {
    const had = reasons.get(userId)
    if (had === undefined || PRIORITY.indexOf(kind) < PRIORITY.indexOf(had)) reasons.set(userId, kind)
  }
  const muted = new Set<number>()
  const topicLevel = new Map<number, WatchLevel>()
  for (const watch of await listWatchers(db, post.topic_id, post.forum_id)) {
    if (watch.level === 'muted') muted.add(watch.user_id)
    else if (watch.on === 'topic') topicLevel.set(watch.user_id, watch.level)
    else if (watch.level === 'watching') add(watch.user_id, post.position === 1 ? 'new_topic' : 'forum_post')
    else if (watch.level === 'new_topics' && post.position === 1) add(watch.user_id, 'new_topic')
  }
  for (const [userId, level] of topicLevel) if (level === 'watching') add(userId, 'watching')
  if (post.position > 1 && topicLevel.get(post.topic_author_id) !== 'muted') add(post.topic_author_id, 'replied')
  // A quoted member hears of it once, whether the quote is of this topic or another.
  const quoted = quotedPostIds(post.body_html)
  if (quoted.length > 0) {
    for (const { author_id: authorId } of await db.selectFrom('posts').select('author_id').where('id', 'in', quoted.slice(0, 20)).execute()) add(authorId, 'quoted')
  }
  const keys = mentionedKeys(post.body_html)
  if (keys.length > 0) {
    const mentioned = await db.selectFrom('users').select('id').where('username_key', 'in', keys).execute()
    for (const { id } of mentioned) add(id, 'mentioned')
  }
  reasons.delete(post.author_id)
  for (const userId of muted) reasons.delete(userId)
  if (reasons.size === 0) return []
  // Members who muted the author hear nothing of what they write.
  const mutedAuthor = await db.selectFrom('user_mutes').select('user_id').where('muted_user_id', '=', post.author_id)
    .where('user_id', 'in', [...reasons.keys()]).execute()
  for (const { user_id: userId } of mutedAuthor) reasons.delete(userId)
  if (reasons.size === 0) return []
  // Only members who read the forum: a mention of a non-member of a private group's forum tells them nothing, not even its title.
  const members = await db.selectFrom('users').select(['id', 'email_mode', 'hard_bounces']).where('id', 'in', [...reasons.keys()])
    .where(readsThisForum(post.forum_id, { column: 'users.id' })).execute()
  // An address that bounced hard again and again gets no more mail; the notifications stay on the site.
  return members.map(member => ({ userId: member.id, kind: reasons.get(member.id)!, emailMode: member.hard_bounces >= HARD_BOUNCE_LIMIT ? 'never' : member.email_mode }))
}

/**
 * Fans one post out, in the caller's transaction: its notifications (with the moment a mail
 * may go out, for members who want mail at once) and the post marked done. A post out of
 * sight is marked done without a word.
 */
export async function fanOutPost (trx: DB, post: FanOutPost, mailDelayMs: number, alsoInTransaction: (trx: DB, visible: boolean) => Promise<void>, now = Date.now()): Promise<number> {
  // Deleted (or done) since it was listed: nobody hears of it, and its text goes nowhere.
  const claimed = await trx.updateTable('posts').set({ fanned_out: 1 }).where('id', '=', post.id).where('fanned_out', '=', 0)
    .where('deleted_at', 'is', null).executeTakeFirst()
  if (Number(claimed.numUpdatedRows) === 0) return 0
  const recipients = post.hidden || post.topic_hidden ? [] : await recipientsOf(trx, post)
  const notifications: NewNotification[] = recipients.map(r => ({
    userId: r.userId, kind: r.kind, postId: post.id, topicId: post.topic_id, actorId: post.author_id,
    mailAfter: r.emailMode === 'immediately' ? now + mailDelayMs : null
  }))
  await insertNotifications(trx, notifications, now)
  await alsoInTransaction(trx, !post.hidden && !post.topic_hidden)
  return notifications.length
}
