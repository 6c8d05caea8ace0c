import type { FastifyInstance, FastifyReply } from 'fastify'
import type { User } from '../db/schema.js'
import { countLinks } from '../lib/markdown.js'
import type { FieldErrors } from '../lib/validation.js'
import { translatorFor, type Translator } from '../lib/i18n.js'
import { countTopicsStartedSince, promoteIfEarned } from '../models/users.js'
import { watchIfUnset } from '../models/watches.js'
import { saveDraft, type DraftForm } from '../models/drafts.js'
import { PostedMeanwhile } from '../models/topics.js'
import type { StoredFile } from '../lib/documents.js'
import { discardFiles } from './attachments.js'
import { isTrustedAuthor, mustWaitForApproval, postingSpacingSeconds, postingWait } from '../permissions.js'

/** What cannot be written now: the form comes back with the text, this status, and the error beside the body. */
export interface Refusal { ok: false, status: number, errors: FieldErrors, retryAfter?: number }

export type PreparedPost =
  | { ok: true, bodyHtml: string, mentions: string[], queued: boolean, expectedLastPostAt?: number | null }
  | Refusal

/** Too soon after the member's last post (or edit): when to try again, in words. */
export function tooSoon (i18n: Translator, waitSeconds: number, message: 'form.wait' | 'form.wait_edit' = 'form.wait'): Refusal {
  const when = i18n.relative(Date.now() + waitSeconds * 1000)
  return { ok: false, status: 429, errors: { body: i18n.t(message, { when }) }, retryAfter: waitSeconds }
}

/**
 * Markdown → HTML in the render pool, for the member `writer.id` (one render each at a time);
 * a body it refuses (too complex, or the pool busy) is a refusal.
 */
export async function renderForm (app: FastifyInstance, body: string, writer: { id: number, trusted: boolean }): Promise<Refusal | { ok: true, bodyHtml: string, mentions: string[] }> {
  const rendered = await app.renderBody(body, writer)
  if (!rendered.ok) return { ok: false, status: rendered.status, errors: { body: rendered.error }, retryAfter: rendered.status === 400 ? undefined : 10 }
  return { ok: true, bodyHtml: rendered.html, mentions: rendered.mentions }
}

/**
 * "Voorbeeld" on a new topic or a reply: the body as it will show, rendered as its author's;
 * nothing is stored but the member's draft of the form.
 */
export async function previewPost (app: FastifyInstance, author: User, form: DraftForm, text: { title: string, body: string }): Promise<Refusal | { ok: true, bodyHtml: string }> {
  await saveDraft(app.db, author.id, form, text)
  return renderForm(app, text.body, { id: author.id, trusted: isTrustedAuthor(author) })
}

/** What new topics and replies share: the posting limits, rendering, and the approval queue. */
export async function preparePost (app: FastifyInstance, author: User, body: string, newTopic: boolean): Promise<PreparedPost> {
  const topicsSinceJoining = newTopic ? await countTopicsStartedSince(app.db, author.id, author.created_at) : 0
  const wait = postingWait(author, app.settings, { newTopic, topicsSinceJoining })
  if (wait > 0) return tooSoon(translatorFor(author, app.config.locale), Math.ceil(wait / 1000))
  const rendered = await renderForm(app, body, { id: author.id, trusted: isTrustedAuthor(author) })
  if (!rendered.ok) return rendered
  return {
    ...rendered,
    queued: mustWaitForApproval(author, app.settings, countLinks(rendered.bodyHtml)),
    // Checked again when the post is written, so two posts sent at once cannot both slip through.
    expectedLastPostAt: postingSpacingSeconds(author, app.settings) > 0 ? author.last_post_at : undefined
  }
}

export type Written<T> = { ok: true, value: T } | Refusal

/**
 * Stores a prepared post with `write`; a post by the same member that landed since the
 * limit was checked makes this one wait too. Files already stored for it (`attachments`) are
 * removed again when it is not written. Afterwards, wherever the post came from (a form,
 * a mail): the author may have earned the bijdrager role, follows the topic if they want to,
 * and the notifier is woken to tell the followers.
 */
export async function writePost<T> (app: FastifyInstance, author: User, write: () => Promise<T>, topicOf: (value: T) => number, attachments: StoredFile[] = []): Promise<Written<T>> {
  let value: T
  try {
    value = await write()
  } catch (error) {
    await discardFiles(app, attachments)
    if (!(error instanceof PostedMeanwhile)) throw error
    return tooSoon(translatorFor(author, app.config.locale), Math.max(1, postingSpacingSeconds(author, app.settings)))
  }
  await promoteIfEarned(app.db, app.settings, author.id)
  if (author.auto_watch) await watchIfUnset(app.db, author.id, topicOf(value))
  app.notifier.wake()
  return { ok: true, value }
}

/** Sets the status (and Retry-After) of a refusal on the reply that shows the form again. */
export function refusalStatus (reply: FastifyReply, refusal: Refusal): number {
  if (refusal.retryAfter !== undefined) reply.header('retry-after', refusal.retryAfter)
  return refusal.status
}
