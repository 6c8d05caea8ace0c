import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ensure, HttpError, notFound } from '../plugins/errors.js'
import { can, moderatesForum, mustWaitForApproval } from '../permissions.js'
import { countLinks } from '../lib/markdown.js'
import { editPost, findPostById, listRevisions, renderPostBody, type PostInTopic } from '../models/posts.js'
import { findTopicBySlug } from '../models/topics.js'
import { findUserById } from '../models/users.js'
import { reportPost } from '../models/reports.js'
import { setPostState } from '../models/moderation.js'
import { checkBody, checkReason, checkTitle, collectErrors, formSchema, idParams, parseId } from '../lib/validation.js'
import { canSeeTopic, postUrlFor } from './topics.js'

interface IdParams { id: string }
interface EditForm { title?: string, body?: string, reason?: string }

export default async function postRoutes (app: FastifyInstance): Promise<void> {
  /** The post and where it lives for this viewer; 404 when they may not see it. */
  async function visiblePost (request: FastifyRequest<{ Params: IdParams }>): Promise<{ post: PostInTopic, url: string }> {
    const id = parseId(request.params.id)
    const post = id === null ? undefined : await findPostById(app.db, id)
    const topic = post === undefined ? undefined : await findTopicBySlug(app.db, post.topic_slug)
    if (!post || !topic || !canSeeTopic(request.viewer, topic)) throw notFound()
    const url = postUrlFor(request.viewer, topic.slug, topic.forum_id, post, app.settings.posts_per_page, topic.visible_post_count)
    if (url === null) throw notFound()
    return { post, url }
  }

  app.get<{ Params: IdParams }>('/post/:id', { schema: { params: idParams } }, async (request, reply) => {
    return reply.redirect((await visiblePost(request)).url, 302)
  })

  async function editablePost (request: FastifyRequest<{ Params: IdParams }>): Promise<{ post: PostInTopic, url: string }> {
    const found = await visiblePost(request)
    ensure(can(request.viewer, { do: 'post.edit', post: found.post, forumId: found.post.forum_id, settings: app.settings }))
    return found
  }

  const editPage = (post: PostInTopic, values: EditForm, errors?: Record<string, string>): Record<string, unknown> =>
    ({ title: app.i18n.t('post.edit'), post, isFirstPost: post.position === 1, values, errors })

  app.get<{ Params: IdParams }>('/post/:id/edit', { schema: { params: idParams } }, async (request, reply) => {
    const { post } = await editablePost(request)
    return reply.page('posts/edit', editPage(post, { title: post.topic_title, body: post.body_md }))
  })

  app.post<{ Params: IdParams, Body: EditForm }>('/post/:id/edit', {
    schema: { params: idParams, body: formSchema(['title', 'body', 'reason']) }
  }, async (request, reply) => {
    const { post, url } = await editablePost(request)
    const body = request.body.body ?? ''
    const title = post.position === 1 && request.body.title !== undefined ? request.body.title.trim() : undefined
    const reason = (request.body.reason ?? '').trim()
    const errors = collectErrors({ body: checkBody(body), title: title === undefined ? null : checkTitle(title), reason: checkReason(reason) })
    if (errors) return reply.page('posts/edit', editPage(post, request.body, errors), 400)
    // Links follow the author's standing, not the editor's.
    const author = (await findUserById(app.db, post.author_id))!
    const bodyHtml = await renderPostBody(app.db, body, author)
    // An author's edit passes the approval queue's rules like a new post; a moderator's edit does not.
    const requeue = !post.queued && !moderatesForum(request.viewer, post.forum_id) &&
      mustWaitForApproval(author, app.settings, countLinks(bodyHtml))
    const slug = await editPost(app.db, { postId: post.id, editorId: request.viewer!.id, bodyMd: body, bodyHtml, title, reason, requeue })
    // A requeued post moves to the end for its author: /post/ID knows where.
    return reply.redirect(requeue ? `/post/${post.id}` : url.replace(`/topic/${post.topic_slug}/`, `/topic/${slug}/`), 303)
  })

  app.get<{ Params: IdParams }>('/post/:id/revisions', { schema: { params: idParams } }, async (request, reply) => {
    const { post } = await visiblePost(request)
    ensure(can(request.viewer, { do: 'forum.moderate', forumId: post.forum_id }))
    return reply.page('posts/revisions', { title: app.i18n.t('post.revisions'), post, revisions: await listRevisions(app.db, post.id) })
  })

  app.post<{ Params: IdParams, Body: { reason?: string } }>('/post/:id/report', {
    schema: { params: idParams, body: formSchema(['reason']) }
  }, async (request, reply) => {
    const { post, url } = await visiblePost(request)
    ensure(can(request.viewer, { do: 'post.report', post }))
    const reason = (request.body.reason ?? '').trim()
    const error = checkReason(reason) ?? (reason === '' ? 'form.reason_required' : null)
    if (error) throw new HttpError(400, error)
    await reportPost(app.db, { postId: post.id, reporterId: request.viewer!.id, reason })
    return reply.redirect(url, 303)
  })

  app.post<{ Params: IdParams, Body: { action?: string, reason?: string } }>('/post/:id/moderate', {
    schema: { params: idParams, body: formSchema(['action', 'reason']) }
  }, async (request, reply) => {
    const { post, url } = await visiblePost(request)
    ensure(can(request.viewer, { do: 'forum.moderate', forumId: post.forum_id }))
    const action = request.body.action ?? ''
    const reason = (request.body.reason ?? '').trim()
    const changes: Record<string, { hidden?: boolean, approve?: boolean }> = {
      hide: { hidden: true }, unhide: { hidden: false }, approve: { approve: true }
    }
    const change = Object.hasOwn(changes, action) ? changes[action] : undefined
    if (!change || checkReason(reason)) throw new HttpError(400, change ? 'form.reason_too_long' : 'moderation.unknown_action')
    await setPostState(app.db, post, change, { moderatorId: request.viewer!.id, action: `post.${action}`, reason })
    return reply.redirect(url, 303)
  })
}
