import type { Translator } from '../lib/i18n.js'
import type { LogEntry } from '../models/moderation.js'
import type { ForumChoice } from '../models/forums.js'
import type { Role } from '../db/schema.js'

/** A piece of a log line: text, linked when it names a topic, post, forum or member. */
export interface Segment { text: string, href?: string }

export interface LogLine { id: number, created_at: number, moderator: string, act: string, subject: Segment[], change: Segment[], reason: string | null }

/** Every act the log holds, in the order the filter lists them. */
export const LOGGED_ACTS = [
  'topic.lock', 'topic.unlock', 'topic.pin', 'topic.unpin', 'topic.announce', 'topic.unannounce', 'topic.hide', 'topic.unhide',
  'topic.move', 'topic.split', 'topic.merge', 'post.hide', 'post.unhide', 'post.approve', 'post.edit', 'report.upheld', 'report.dismissed',
  'post.delete', 'topic.delete', 'topic.proposal', 'member.suspend', 'member.unsuspend', 'member.role', 'member.forums', 'member.label', 'site.setting', 'forum.create', 'forum.update', 'forum.delete'
] as const

const ARROW = { text: ' → ' }

/** A log row in the reader's words: what was done, to what (linked), and what changed. */
export function describeLogEntry (i18n: Translator, entry: LogEntry, forums: ForumChoice[], readsAll: boolean): LogLine {
  const forum = (slug: string | null): Segment => {
    const found = forums.find(f => f.slug === slug || f.name === slug)
    // `forums` are those the reader reads; a removed forum is named to the beheerder, who reads all.
    return found ? { text: found.name, href: `/forum/${found.slug}` } : { text: readsAll ? slug ?? '' : i18n.t('forum.unreadable') }
  }
  const reads = (forumId: number | null): boolean => readsAll || forums.some(f => f.id === forumId)
  const topicLink = (slug: string | null, title: string | null, forumId: number | null): Segment[] =>
    slug && title ? (reads(forumId) ? [{ text: title, href: `/topic/${slug}` }] : [{ text: i18n.t('log.unreadable_topic') }]) : []
  const subject: Segment[] = [...topicLink(entry.topic_slug, entry.topic_title, entry.topic_forum_id)]
  if (entry.post_id !== null) subject.push({ text: `#${entry.post_id}`, href: `/post/${entry.post_id}` })
  if (entry.member !== null) subject.push({ text: entry.member, href: `/user/${encodeURIComponent(entry.member)}` })

  let change: Segment[] = []
  switch (entry.action) {
    case 'topic.move':
      change = [forum(entry.from_value), ARROW, forum(entry.to_value)]
      break
    case 'topic.split':
    case 'topic.merge': {
      const moved = entry.post_count === null ? [] : [{ text: i18n.t('log.posts', { count: entry.post_count }) }, ARROW]
      const whole = entry.action === 'topic.merge' && entry.other_topic_id === null && entry.post_count !== null
      change = whole
        ? [{ text: i18n.t('log.whole_topic', { title: entry.from_value ?? '' }) }]
        : [...moved, ...(topicLink(entry.other_topic_slug, entry.other_topic_title, entry.other_topic_forum_id).length > 0
            ? topicLink(entry.other_topic_slug, entry.other_topic_title, entry.other_topic_forum_id)
            : [{ text: readsAll ? entry.to_value ?? '' : i18n.t('log.unreadable_topic') }])]
      break
    }
    case 'member.role':
      change = [{ text: i18n.role((entry.from_value ?? 'lid') as Role) }, ARROW, { text: i18n.role((entry.to_value ?? 'lid') as Role) }]
      break
    case 'member.suspend':
      change = [{ text: entry.to_value === null ? i18n.t('log.indefinitely') : i18n.t('log.until', { date: entry.to_value }) }]
      break
    case 'member.forums': {
      const slugs = (entry.to_value ?? '').split(', ').filter(Boolean)
      change = slugs.length === 0 ? [{ text: i18n.t('log.all_forums') }] : slugs.flatMap((slug, i) => i === 0 ? [forum(slug)] : [{ text: ', ' }, forum(slug)])
      break
    }
    case 'site.setting': {
      const [key, before] = (entry.from_value ?? '').split('=')
      const after = (entry.to_value ?? '').split('=')[1] ?? ''
      change = [{ text: `${i18n.t(`setting.${key}`)}: ${before ?? ''}` }, ARROW, { text: after }]
      break
    }
    case 'forum.create':
    case 'forum.update':
    case 'forum.delete':
      subject.push(entry.action === 'forum.delete' ? { text: entry.from_value ?? entry.to_value ?? '' } : forum(entry.to_value))
      if (entry.action === 'forum.update' && entry.from_value) change = [{ text: entry.from_value }]
      break
    case 'report.upheld':
    case 'report.dismissed':
      change = [{ text: i18n.t('log.reports', { count: Number(entry.to_value ?? 1) }) }]
      break
    default:
      if (entry.from_value !== null || entry.to_value !== null) change = [{ text: [entry.from_value, entry.to_value].filter(v => v !== null).join(' → ') }]
  }
  return { id: entry.id, created_at: entry.created_at, moderator: entry.moderator, act: i18n.t(`log.act.${entry.action}`), subject, change, reason: entry.reason }
}
