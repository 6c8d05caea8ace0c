import type { FastifyInstance } from 'fastify'
import type { User } from '../db/schema.js'
import { countLinks } from '../lib/markdown.js'
import { renderPostBody } from '../models/posts.js'
import { countTopicsStartedSince, promoteIfEarned } from '../models/users.js'
import { PostedMeanwhile } from '../models/topics.js'
import { mustWaitForApproval, postingSpacingSeconds, postingWait } from '../permissions.js'

export type PreparedPost =
  | { ok: true, bodyHtml: string, queued: boolean, expectedLastPostAt?: number | null }
  /** Too soon after the last post: the form comes back with the text and when to try again. */
  | { ok: false, waitSeconds: number }

/** What new topics and replies share: the posting limits, rendering, and the approval queue. */
export async function preparePost (app: FastifyInstance, author: User, body: string, newTopic: boolean): Promise<PreparedPost> {
  const topicsSinceJoining = newTopic ? await countTopicsStartedSince(app.db, author.id, author.created_at) : 0
  const wait = postingWait(author, app.settings, { newTopic, topicsSinceJoining })
  if (wait > 0) return { ok: false, waitSeconds: Math.ceil(wait / 1000) }
  const bodyHtml = await renderPostBody(app.db, body, author)
  return {
    ok: true,
    bodyHtml,
    queued: mustWaitForApproval(author, app.settings, countLinks(bodyHtml)),
    // Checked again when the post is written, so two posts sent at once cannot both slip through.
    expectedLastPostAt: postingSpacingSeconds(author, app.settings) > 0 ? author.last_post_at : undefined
  }
}

export type Written<T> = { ok: true, value: T } | { ok: false, waitSeconds: number }

/**
 * Stores a prepared post with `write`; a post by the same member that landed since the
 * limit was checked makes this one wait too. Afterwards the author may have earned the bijdrager role.
 */
export async function writePost<T> (app: FastifyInstance, author: User, write: () => Promise<T>): Promise<Written<T>> {
  let value: T
  try {
    value = await write()
  } catch (error) {
    if (!(error instanceof PostedMeanwhile)) throw error
    return { ok: false, waitSeconds: Math.max(1, postingSpacingSeconds(author, app.settings)) }
  }
  await promoteIfEarned(app.db, app.settings, author.id)
  return { ok: true, value }
}

/** The form error for a post sent too soon: when to try again, in words. */
export function waitError (app: FastifyInstance, waitSeconds: number): { body: string } {
  return { body: app.i18n.t('form.wait', { when: app.i18n.relative(Date.now() + waitSeconds * 1000) }) }
}
