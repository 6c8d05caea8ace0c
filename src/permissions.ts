import type { Post, Role, Topic, User } from './db/schema.js'
import type { Settings } from './models/settings.js'

/**
 * The one place where roles are decided. Routes call `can` and turn a refusal into a 403
 * page that says why, or a login redirect for a guest.
 */

export type Member = User & {
  /** For a moderator limited to chosen forums: their ids; null moderates every forum. */
  moderatedForumIds?: number[] | null
}
export type Viewer = Member | null

export type Action =
  | { do: 'topic.create' }
  | { do: 'topic.reply', topic: Topic }
  | { do: 'post.edit', post: Post, topic: Pick<Topic, 'forum_id' | 'locked' | 'announced'>, settings: Settings, now?: number }
  | { do: 'post.report', post: Post }
  /** an author within the edit window (a topic's opening post only while nobody replied), a moderator always */
  | { do: 'post.delete', post: Post, topic: Pick<Topic, 'forum_id' | 'locked' | 'announced' | 'post_count'>, settings: Settings, now?: number }
  /** "Nuttig": another member's post */
  | { do: 'post.like', post: Post }
  /** lock, pin, hide, move, split, merge a topic; hide, approve and read the revisions of its posts */
  | { do: 'forum.moderate', forumId: number }
  /** the queue, reports and log pages */
  | { do: 'moderation.view' }
  | { do: 'member.suspend', member: User }
  | { do: 'member.role', member: User, role: Role }
  | { do: 'site.administer' }
  /** join or ask to join a group (closed groups refuse) */
  | { do: 'group.join', joining: 'open' | 'request' | 'closed' }
  /** change one's own profile (a suspended or unconfirmed member may not, like any act) */
  | { do: 'profile.edit' }
  /** mark a reply the answer to a question: its asker or a moderator, in a question forum */
  | { do: 'answer.accept', topic: Pick<Topic, 'author_id' | 'forum_id'>, questionForum: boolean }
  /** keep a draft of a post form */
  | { do: 'draft.save' }
  /** answer an event (going, maybe, not going) */
  | { do: 'event.answer' }
  /** vote for a proposal while it is open */
  | { do: 'proposal.vote', open: boolean }
  /** approve requests, add and remove members: the group's managers and the beheerder */
  | { do: 'group.manage', isManager: boolean }

/** `reason` is a locale key saying why, shown on the 403 page. */
export type Decision = { ok: true } | { ok: false, reason: string, needsLogin: boolean }

const RANK: Record<Role, number> = { lid: 1, bijdrager: 2, moderator: 3, beheerder: 4 }

export function hasRole (viewer: Viewer, role: Role): boolean {
  return viewer !== null && RANK[viewer.role] >= RANK[role]
}

export function isSuspended (member: Pick<User, 'suspended_until'> | null, now = Date.now()): boolean {
  return member !== null && member.suspended_until !== null && member.suspended_until > now
}

/** Suspension takes every moderation right, reading hidden and queued posts too. */
export function moderatesForum (viewer: Viewer, forumId: number): boolean {
  if (!hasRole(viewer, 'moderator') || isSuspended(viewer)) return false
  if (hasRole(viewer, 'beheerder')) return true
  const limited = viewer!.moderatedForumIds
  return limited === null || limited === undefined || limited.includes(forumId)
}

/** The forums whose queue, reports and log this moderator reads: null for all. */
export function moderatedForumIds (viewer: Viewer): number[] | null {
  if (hasRole(viewer, 'beheerder')) return null
  return viewer?.moderatedForumIds ?? null
}

/**
 * Acts on members (suspending, setting roles) and reading them in the log are site-wide,
 * so they belong to moderators of every forum; one limited to chosen forums keeps to those.
 */
export function actsOnMembers (viewer: Viewer): boolean {
  return hasRole(viewer, 'moderator') && !isSuspended(viewer) &&
    (hasRole(viewer, 'beheerder') || viewer!.moderatedForumIds === null || viewer!.moderatedForumIds === undefined)
}

const allowed: Decision = { ok: true }
const refuse = (reason: string): Decision => ({ ok: false, reason, needsLogin: false })
/** A guest who tries to act is sent to log in first. */
export const loginFirst: Decision = { ok: false, reason: 'refusal.login', needsLogin: true }

export function can (viewer: Viewer, action: Action): Decision {
  if (viewer === null) return loginFirst
  // Every action here is an act; a suspended member (moderators too) may read, and nothing more.
  if (isSuspended(viewer)) return refuse('refusal.suspended')
  // With mail set up, a sign-up acts once its address is confirmed.
  if (viewer.email_confirmed_at === null) return refuse('refusal.unconfirmed')
  switch (action.do) {
    case 'topic.create':
      return allowed
    case 'topic.reply':
      if (action.topic.locked && !moderatesForum(viewer, action.topic.forum_id)) return refuse('refusal.locked')
      return allowed
    case 'post.edit': {
      const own = ownPostDecision(viewer, action)
      if (own !== null) return own
      if (hasRole(viewer, 'bijdrager')) return allowed
      return withinEditWindow(action) ? allowed : refuse('refusal.edit_window')
    }
    case 'post.report':
      if (action.post.author_id === viewer.id) return refuse('refusal.report_own')
      if (action.post.deleted_at !== null) return refuse('refusal.deleted')
      return allowed
    case 'post.delete': {
      const own = ownPostDecision(viewer, action)
      if (own !== null) return own
      if (action.post.position === 1 && action.topic.post_count > 1) return refuse('refusal.topic_has_replies')
      return withinEditWindow(action) ? allowed : refuse('refusal.delete_window')
    }
    case 'post.like':
      if (action.post.author_id === viewer.id) return refuse('refusal.like_own')
      if (action.post.deleted_at !== null) return refuse('refusal.deleted')
      if (action.post.visible_position === null) return refuse('refusal.like_hidden')
      return allowed
    case 'forum.moderate':
      return moderatesForum(viewer, action.forumId) ? allowed : refuse('refusal.moderators_only')
    case 'moderation.view':
      return hasRole(viewer, 'moderator') ? allowed : refuse('refusal.moderators_only')
    case 'member.suspend':
      if (!actsOnMembers(viewer)) return refuse(hasRole(viewer, 'moderator') ? 'refusal.site_moderators_only' : 'refusal.moderators_only')
      if (action.member.id === viewer.id) return refuse('refusal.not_yourself')
      // Moderators answer to the beheerder, not to each other.
      if (hasRole(action.member, 'moderator') && !hasRole(viewer, 'beheerder')) return refuse('refusal.outranked')
      if (action.member.role === 'beheerder') return refuse('refusal.outranked')
      return allowed
    case 'member.role': {
      if (!actsOnMembers(viewer)) return refuse(hasRole(viewer, 'moderator') ? 'refusal.site_moderators_only' : 'refusal.moderators_only')
      if (action.member.id === viewer.id) return refuse('refusal.not_yourself')
      const touchesModerators = hasRole(action.member, 'moderator') || hasRole({ ...viewer, role: action.role }, 'moderator')
      if (touchesModerators && !hasRole(viewer, 'beheerder')) return refuse('refusal.beheerder_only')
      return allowed
    }
    case 'site.administer':
      return hasRole(viewer, 'beheerder') ? allowed : refuse('refusal.beheerder_only')
    case 'profile.edit':
      return allowed
    case 'answer.accept':
      if (!action.questionForum) return refuse('refusal.not_a_question')
      return action.topic.author_id === viewer.id || moderatesForum(viewer, action.topic.forum_id) ? allowed : refuse('refusal.not_your_question')
    case 'event.answer':
    case 'draft.save':
      return allowed
    case 'proposal.vote':
      return action.open ? allowed : refuse('refusal.proposal_closed')
    case 'group.join':
      return action.joining === 'closed' ? refuse('refusal.group_closed') : allowed
    case 'group.manage':
      return action.isManager || hasRole(viewer, 'beheerder') ? allowed : refuse('refusal.group_managers_only')
  }
}

type PostChange = { post: Post, topic: Pick<Topic, 'forum_id' | 'locked' | 'announced'>, settings: Settings, now?: number }

/**
 * What editing and deleting share: a deleted post is nobody's to change, a moderator may
 * change any other, an author only their own, and a closed or announced topic is its
 * moderators' to change, its author's words included. Null: the author's own, to be judged further.
 */
function ownPostDecision (viewer: Member, action: PostChange): Decision | null {
  if (action.post.deleted_at !== null) return refuse('refusal.deleted')
  if (moderatesForum(viewer, action.topic.forum_id)) return allowed
  if (action.post.author_id !== viewer.id) return refuse('refusal.not_yours')
  if (action.topic.locked) return refuse('refusal.locked_edit')
  if (action.topic.announced) return refuse('refusal.announced_edit')
  return null
}

/** The edit window (a setting) is measured from when the post was written. */
function withinEditWindow (action: PostChange): boolean {
  return (action.now ?? Date.now()) - action.post.created_at <= action.settings.edit_window_minutes * 60_000
}

/** Links in posts by trusted members drop `nofollow`. */
export function isTrustedAuthor (author: Pick<User, 'role'>): boolean {
  return RANK[author.role] >= RANK.bijdrager
}

/** Whether a new post waits for a moderator (both rules are off until set in the settings). */
export function mustWaitForApproval (author: Pick<User, 'role' | 'post_count'>, settings: Settings, linkCount: number): boolean {
  if (hasRole(author as User, 'bijdrager')) return false
  if (settings.queue_until_approved_posts > 0 && author.post_count < settings.queue_until_approved_posts) return true
  return settings.queue_links_over > 0 && linkCount > settings.queue_links_over
}

/** Seconds a member must leave between posts, by role (moderators: none). */
export function postingSpacingSeconds (author: Pick<User, 'role'>, settings: Settings): number {
  if (hasRole(author as User, 'moderator')) return 0
  return hasRole(author as User, 'bijdrager') ? settings.limit_bijdrager_seconds : settings.limit_lid_seconds
}

/** Milliseconds until this member may post again (0: now), by the posting limits of their role. */
export function postingWait (author: Pick<User, 'role' | 'created_at' | 'last_post_at'>, settings: Settings,
  what: { newTopic: boolean, topicsSinceJoining: number }, now = Date.now()): number {
  if (hasRole(author as User, 'moderator')) return 0
  const spacing = postingSpacingSeconds(author, settings) * 1000
  const waitSpacing = author.last_post_at === null ? 0 : Math.max(0, author.last_post_at + spacing - now)
  const firstDayEnds = author.created_at + 24 * 3600_000
  // 0 turns the first-day limit off, as /admin says of every limit.
  const waitFirstDay = author.role === 'lid' && what.newTopic && now < firstDayEnds && settings.limit_lid_first_day_topics > 0 &&
    what.topicsSinceJoining >= settings.limit_lid_first_day_topics ? firstDayEnds - now : 0
  return Math.max(waitSpacing, waitFirstDay)
}

/** Milliseconds until this member may edit again (0: now): edits are spaced like posts, from the last edit. */
export function editWait (editor: Pick<User, 'role' | 'last_edit_at'>, settings: Settings, now = Date.now()): number {
  if (editor.last_edit_at === null) return 0
  return Math.max(0, editor.last_edit_at + postingSpacingSeconds(editor, settings) * 1000 - now)
}

/** Each rename keeps the old slug answering for good, so members may rename a topic only so often. */
export const RENAMES_PER_DAY = 3

export function mayRenameTopic (viewer: Viewer, forumId: number, renamesInLastDay: number): boolean {
  return moderatesForum(viewer, forumId) || renamesInLastDay < RENAMES_PER_DAY
}

/** lid → bijdrager when every threshold in the settings holds, unless a moderator chose the member's role. */
export function earnsPromotion (member: Pick<User, 'role' | 'created_at' | 'post_count' | 'role_set_by_moderator'>, settings: Settings,
  upheldReportsRecently: number, now = Date.now()): boolean {
  return member.role === 'lid' && !member.role_set_by_moderator &&
    member.post_count >= settings.promote_after_posts &&
    now - member.created_at >= settings.promote_after_days * 24 * 3600_000 &&
    upheldReportsRecently === 0
}
