import type { Forum, Post, Role, Topic, User } from './db/schema.js'
import type { Settings } from './models/settings.js'

/** The one place where roles are decided. Routes call `can` and turn a refusal into 403 or a login redirect. */

export type Viewer = User | null

export type Action =
  | { do: 'topic.create', forum: Forum }
  | { do: 'topic.reply', topic: Topic }
  | { do: 'post.edit', post: Post, settings: Settings, now?: number }

/** `reason` is a locale key saying why, shown on the 403 page. */
export type Decision = { ok: true } | { ok: false, reason: string, needsLogin: boolean }

const RANK: Record<Role, number> = { lid: 1, bijdrager: 2, moderator: 3, beheerder: 4 }

export function hasRole (viewer: Viewer, role: Role): boolean {
  return viewer !== null && RANK[viewer.role] >= RANK[role]
}

export function isSuspended (viewer: Viewer, now = Date.now()): boolean {
  return viewer !== null && viewer.suspended_until !== null && viewer.suspended_until > now
}

const allowed: Decision = { ok: true }
const refuse = (reason: string): Decision => ({ ok: false, reason, needsLogin: false })
const loginFirst: Decision = { ok: false, reason: 'refusal.login', needsLogin: true }

export function can (viewer: Viewer, action: Action): Decision {
  if (viewer === null) return loginFirst
  if (isSuspended(viewer)) return refuse('refusal.suspended')
  switch (action.do) {
    case 'topic.create':
      return allowed
    case 'topic.reply':
      if (action.topic.locked && !hasRole(viewer, 'moderator')) return refuse('refusal.locked')
      return allowed
    case 'post.edit': {
      if (hasRole(viewer, 'moderator')) return allowed
      if (action.post.author_id !== viewer.id) return refuse('refusal.not_yours')
      if (hasRole(viewer, 'bijdrager')) return allowed
      const windowMs = action.settings.edit_window_minutes * 60_000
      if ((action.now ?? Date.now()) - action.post.created_at > windowMs) return refuse('refusal.edit_window')
      return allowed
    }
  }
}

/** Links in posts by trusted members drop `nofollow`. */
export function isTrustedAuthor (author: Pick<User, 'role'>): boolean {
  return RANK[author.role] >= RANK.bijdrager
}
