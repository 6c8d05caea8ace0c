import type { FastifyInstance } from 'fastify'
import { ensure } from '../plugins/errors.js'
import { can } from '../permissions.js'
import { deletePost } from '../models/post-deletion.js'
import { toggleLike } from '../models/likes.js'
import { parseDraftForm, saveDraft } from '../models/drafts.js'
import { checkReason, formSchema, idParams, LIMITS } from '../lib/validation.js'
import { discardFiles } from './attachments.js'
import { findVisiblePost } from './posts.js'
import { retryWithReason } from './moderation.js'

/** What members do with posts besides writing them: delete their own, mark others' "Nuttig", keep drafts. */
export default async function writingRoutes (app: FastifyInstance): Promise<void> {
  app.post<{ Params: { id: string }, Body: { reason?: string } }>('/post/:id/delete', {
    schema: { params: idParams, body: formSchema(['reason']) }
  }, async (request, reply) => {
    const { post, url, topic } = await findVisiblePost(app, request.viewer, request.params.id)
    ensure(can(request.viewer, { do: 'post.delete', post, topic, settings: app.settings }))
    const reason = (request.body.reason ?? '').trim()
    if (checkReason(reason)) return retryWithReason(reply, request.url, request.body, { href: url, text: topic.title })
    const files = await deletePost(app.db, post, { moderatorId: request.viewer!.id, action: 'post.delete', reason })
    await discardFiles(app, files.map(file => ({ storedName: file.stored_name, thumbName: file.thumb_name })))
    // The post stays in its place; a topic's opening post takes the topic, so its forum is where to go.
    return post.position === 1 ? reply.done(`/forum/${topic.forum_slug}`, 'flash.topic_deleted') : reply.done(url, 'flash.post_deleted')
  })

  app.post<{ Params: { id: string } }>('/post/:id/like', { schema: { params: idParams, body: formSchema([]) } }, async (request, reply) => {
    const { post, url } = await findVisiblePost(app, request.viewer, request.params.id)
    ensure(can(request.viewer, { do: 'post.like', post }))
    const outcome = await toggleLike(app.db, post.id, request.viewer!.id)
    return reply.done(url, `flash.post_${outcome}`)
  })

  // The script in static/js/writing.js keeps what a member types here every few seconds; the
  // "Voorbeeld" button does so too (see the post forms). Only the member reads it back.
  app.post<{ Body: { form?: string, title?: string, body?: string } }>('/drafts', {
    schema: { body: formSchema(['form', 'title', 'body']) }
  }, async (request, reply) => {
    ensure(can(request.viewer, { do: 'draft.save' }))
    const form = parseDraftForm(request.body.form ?? '')
    const title = request.body.title ?? ''
    const body = request.body.body ?? ''
    if (form === null || [...title].length > LIMITS.titleMax || [...body].length > LIMITS.bodyMax) return reply.code(400).send()
    await saveDraft(app.db, request.viewer!.id, form, { title, body })
    return reply.code(204).send()
  })
}
