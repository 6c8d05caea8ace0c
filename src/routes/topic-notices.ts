import type { Translator } from '../lib/i18n.js'
import type { LogEntry } from '../models/moderation.js'
import type { ForumChoice } from '../models/forums.js'

/** A line readers see above the posts: text around at most one link, and the reason given. */
export interface Notice { before: string, link: { href: string, text: string } | null, after: string, reason: string | null }

const LINK = '\u0000'

function notice (i18n: Translator, key: string, vars: Record<string, string | number>, link: Notice['link'], reason: string | null): Notice {
  const [before, after = ''] = i18n.t(key, { ...vars, topic: LINK }).split(LINK)
  return { before, link, after, reason }
}

/**
 * What a topic's readers are told of moderation: who closed it (while it is closed), every
 * move, and posts split off or merged in or out, each with the reason when one was given.
 */
export function topicNotices (i18n: Translator, topicId: number, locked: boolean, entries: LogEntry[], forums: ForumChoice[]): Notice[] {
  // `forums` are the ones this reader reads: any other forum or topic goes unnamed.
  const forumName = (value: string | null): string => forums.find(f => f.slug === value)?.name ?? i18n.t('forum.unreadable')
  const reads = (forumId: number | null): boolean => forums.some(f => f.id === forumId)
  const notices: Notice[] = []
  const lastLock = entries.filter(e => e.action === 'topic.lock' || e.action === 'topic.unlock').at(-1)
  for (const entry of entries) {
    const base = { name: entry.moderator, date: i18n.date(entry.created_at) }
    const other = entry.other_topic_slug && reads(entry.other_topic_forum_id) ? { href: `/topic/${entry.other_topic_slug}`, text: entry.other_topic_title ?? '' } : null
    if (entry === lastLock && locked && entry.action === 'topic.lock') {
      notices.push(notice(i18n, 'topic.locked_by', base, null, entry.reason))
    } else if (entry.action === 'topic.move') {
      notices.push(notice(i18n, 'topic.moved', { ...base, from: forumName(entry.from_value), to: forumName(entry.to_value) }, null, entry.reason))
    } else if ((entry.action === 'topic.split' || entry.action === 'topic.merge') && entry.post_count !== null) {
      const source = reads(entry.topic_forum_id) ? { href: `/topic/${entry.topic_slug}`, text: entry.topic_title ?? '' } : null
      const counted = { ...base, count: entry.post_count }
      if (entry.other_topic_id === null) notices.push(notice(i18n, 'topic.topic_merged_in', { ...counted, title: entry.from_value ?? '' }, null, entry.reason))
      else if (entry.topic_id === topicId) notices.push(notice(i18n, 'topic.posts_moved_to', counted, other, entry.reason))
      else notices.push(notice(i18n, entry.action === 'topic.split' ? 'topic.split_from' : 'topic.posts_moved_from', counted, source, entry.reason))
    }
  }
  return notices
}
