import type { FastifyInstance } from 'fastify'
import type { User } from '../db/schema.js'
import { countLinks } from '../lib/markdown.js'
import { renderPostBody } from '../models/posts.js'
import { countTopicsStartedSince, promoteIfEarned } from '../models/users.js'
import { mustWaitForApproval, postingWait } from '../permissions.js'

export type PreparedPost =
  | { ok: true, bodyHtml: string, queued: boolean }
  /** Too soon after the last post: the form comes back with the text and when to try again. */
  | { ok: false, waitSeconds: number }

/** What new topics and replies share: the posting limits, rendering, and the approval queue. */
export async function preparePost (app: FastifyInstance, author: User, body: string, newTopic: boolean): Promise<PreparedPost> {
  const topicsToday = newTopic ? await countTopicsStartedSince(app.db, author.id, author.created_at) : 0
  const wait = postingWait(author, app.settings, { newTopic, topicsToday })
  if (wait > 0) return { ok: false, waitSeconds: Math.ceil(wait / 1000) }
  const bodyHtml = await renderPostBody(app.db, body, author)
  return { ok: true, bodyHtml, queued: mustWaitForApproval(author, app.settings, countLinks(bodyHtml)) }
}

/** After a post is stored: the author may have earned the bijdrager role. */
export async function afterPost (app: FastifyInstance, author: User): Promise<void> {
  await promoteIfEarned(app.db, app.settings, author.id)
}
