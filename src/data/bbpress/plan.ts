import type { WxrExport, WxrItem } from './wxr-parser.js'

/**
 * What of a parsed export can be imported, in the order it must be: forums before their
 * subforums, each topic with its replies by date, then id. What is not sound is left out and
 * said, with the line its item began on. Parents may also be items a former run imported.
 */

export interface Problem { line: number, message: string }

export interface PlannedTopic {
  item: WxrItem
  /** The old forum id (in this file or imported before). */
  forumId: number
  locked: boolean
  pinned: boolean
  announced: boolean
  replies: WxrItem[]
}

export interface Plan {
  forums: Array<{ item: WxrItem, parentId: number, private: boolean }>
  topics: PlannedTopic[]
  /** Replies to topics a former run imported, by old topic id. */
  repliesToImported: Map<number, WxrItem[]>
  problems: Problem[]
  /** Items left out on purpose (spam, trash, drafts…), by status. */
  skipped: Map<string, number>
}

const SHOWN = { forum: ['publish', 'private', 'hidden', 'closed'], topic: ['publish', 'closed'], reply: ['publish', 'closed'] }

/** The ids in a PHP-serialized array, as bbPress keeps its sticky lists: a:2:{i:0;i:12;i:1;s:2:"34";} */
export function serializedIds (text: string): number[] {
  return [...text.matchAll(/i:\d+;(?:i:(\d+)|s:\d+:"(\d+)");/g)].map(match => Number(match[1] ?? match[2]))
}

const byDateThenId = (a: WxrItem, b: WxrItem): number => a.date - b.date || a.id - b.id

export function makePlan (wxr: WxrExport, imported: (kind: 'forum' | 'topic' | 'post', oldId: number) => boolean): Plan {
  const plan: Plan = { forums: [], topics: [], repliesToImported: new Map(), problems: [...wxr.problems], skipped: new Map() }
  const seen = new Map<number, WxrItem>()
  const items: WxrItem[] = []
  const leftOut = new Set<number>()
  const skip = (reason: string): void => { plan.skipped.set(reason, (plan.skipped.get(reason) ?? 0) + 1) }
  for (const item of wxr.items) {
    const first = seen.get(item.id)
    if (first) {
      plan.problems.push({ line: item.line, message: `${item.type} ${item.id}: the same id as the ${first.type} at line ${first.line}: skipped` })
      continue
    }
    seen.set(item.id, item)
    if (!SHOWN[item.type].includes(item.status)) {
      skip(item.status || 'no status')
      leftOut.add(item.id)
      continue
    }
    items.push(item)
  }
  const forums = new Map(items.filter(item => item.type === 'forum').map(item => [item.id, item]))
  const sticky = new Set<number>()
  const superSticky = new Set<number>()
  for (const item of wxr.items) {
    for (const id of serializedIds(item.meta.get('_bbp_sticky_topics') ?? '')) sticky.add(id)
    for (const id of serializedIds(item.meta.get('_bbp_super_sticky_topics') ?? '')) superSticky.add(id)
  }

  // Forums, parents first; a forum whose parent is nowhere becomes a top-level forum.
  const placed = new Set<number>()
  const place = (forum: WxrItem, trail: Set<number>): void => {
    if (placed.has(forum.id)) return
    let parentId = forum.parent
    const parent = forums.get(parentId)
    if (parent && !trail.has(parent.id)) place(parent, new Set([...trail, forum.id]))
    else if (parentId !== 0 && !imported('forum', parentId)) {
      plan.problems.push({ line: forum.line, message: `forum ${forum.id} "${forum.title}": its parent forum ${parentId} is not in the file: imported as a top-level forum` })
      parentId = 0
    }
    placed.add(forum.id)
    const visibility = forum.meta.get('_bbp_forum_visibility') ?? forum.status
    plan.forums.push({ item: forum, parentId, private: visibility === 'private' || visibility === 'hidden' })
  }
  for (const forum of forums.values()) place(forum, new Set())

  const topics = new Map<number, PlannedTopic>()
  for (const item of items.filter(item => item.type === 'topic')) {
    const forumId = item.parent || Number(item.meta.get('_bbp_forum_id') ?? 0)
    if (leftOut.has(forumId)) {
      skip('in a forum left out')
      leftOut.add(item.id)
      continue
    }
    if (!forums.has(forumId) && !imported('forum', forumId)) {
      plan.problems.push({ line: item.line, message: `topic ${item.id} "${item.title}": its forum ${forumId} is not in the file: skipped` })
      leftOut.add(item.id)
      continue
    }
    topics.set(item.id, {
      item,
      forumId,
      locked: item.status === 'closed',
      pinned: sticky.has(item.id),
      announced: superSticky.has(item.id),
      replies: []
    })
  }
  for (const item of items.filter(item => item.type === 'reply')) {
    const topicId = item.parent || Number(item.meta.get('_bbp_topic_id') ?? 0)
    const topic = topics.get(topicId)
    if (topic) topic.replies.push(item)
    else if (leftOut.has(topicId)) skip('in a topic left out')
    else if (imported('topic', topicId)) {
      const replies = plan.repliesToImported.get(topicId) ?? []
      replies.push(item)
      plan.repliesToImported.set(topicId, replies)
    } else plan.problems.push({ line: item.line, message: `reply ${item.id}: its topic ${topicId} is not in the file: skipped` })
  }
  for (const topic of topics.values()) topic.replies.sort(byDateThenId)
  for (const replies of plan.repliesToImported.values()) replies.sort(byDateThenId)
  plan.topics = [...topics.values()].sort((a, b) => byDateThenId(a.item, b.item))
  plan.problems.sort((a, b) => a.line - b.line)
  return plan
}
