import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ensure, HttpError, notFound } from '../plugins/errors.js'
import { can, editWait, hasRole, isTrustedAuthor, mayRenameTopic, moderatesForum, mustWaitForApproval, type Viewer } from '../permissions.js'
import { countLinks } from '../lib/markdown.js'
import { editPost, findPostById, listRevisions, type PostInTopic } from '../models/posts.js'
import { countRenamesSince, findTopicBySlug, PostedMeanwhile, type TopicWithForum } from '../models/topics.js'
import { toggleAnswer } from '../models/answers.js'
import { listUploadsOfPosts } from '../models/uploads.js'
import { acceptFiles, withFiles } from '../lib/uploads.js'
import { MAX_FILES } from '../lib/documents.js'
import { discardFiles, receiveFiles } from './attachments.js'
import { findUserById } from '../models/users.js'
import { findDraft, removeDraft, saveDraft } from '../models/drafts.js'
import { findEvent } from '../models/events.js'
import { EVENT_FIELDS, eventValues, hasEventFields, parseEventFields, storedEventValues, type EventFields } from '../events/form.js'
import { reportPost } from '../models/reports.js'
import { setPostState } from '../models/moderation.js'
import { checkBody, checkReason, checkTitle, collectErrors, formSchema, idParams, parseId } from '../lib/validation.js'
import { canSeeTopic, postUrlFor } from './topics.js'
import { retryWithReason } from './moderation.js'
import { refusalStatus, renderForm, tooSoon, type Refusal } from './posting.js'
import type { Translator } from '../lib/i18n.js'

interface IdParams { id: string }
interface EditForm extends EventFields { title?: string, body?: string, reason?: string, files?: unknown, remove_files?: string | string[], preview?: string }

/** The post with this id (as typed in a URL) and where it lives for this viewer; 404 when they may not see it. */
export async function findVisiblePost (app: FastifyInstance, viewer: Viewer, idText: string): Promise<{ post: PostInTopic, url: string, topic: TopicWithForum }> {
  const id = parseId(idText)
  const post = id === null ? undefined : await findPostById(app.db, id)
  const topic = post === undefined ? undefined : await findTopicBySlug(app.db, post.topic_slug)
  if (!post || !topic || !await canSeeTopic(app.db, viewer, topic)) throw notFound()
  const url = postUrlFor(viewer, topic.slug, topic.forum_id, post, app.settings.posts_per_page, topic.visible_post_count)
  if (url === null) throw notFound()
  return { post, url, topic }
}

export default async function postRoutes (app: FastifyInstance): Promise<void> {
  const visiblePost = (request: FastifyRequest<{ Params: IdParams }>): ReturnType<typeof findVisiblePost> => findVisiblePost(app, request.viewer, request.params.id)

  app.get<{ Params: IdParams }>('/post/:id', { schema: { params: idParams } }, async (request, reply) => {
    return reply.redirect((await visiblePost(request)).url, 302)
  })

  async function editablePost (request: FastifyRequest<{ Params: IdParams }>): Promise<{ post: PostInTopic, url: string }> {
    const found = await visiblePost(request)
    const { post } = found
    ensure(can(request.viewer, { do: 'post.edit', post, topic: { forum_id: post.forum_id, locked: post.topic_locked, announced: post.topic_announced }, settings: app.settings }))
    return found
  }

  const editPage = async (i18n: Translator, post: PostInTopic, values: EditForm, errors?: Record<string, string>, preview?: string, draftSavedAt?: number): Promise<Record<string, unknown>> => ({
    preview, draftSavedAt,
    title: i18n.t('post.edit'), post, isFirstPost: post.position === 1,
    forum: await app.db.selectFrom('forums').select(['slug', 'name']).where('id', '=', post.forum_id).executeTakeFirst(),
    values: { ...eventValues(values), title: values.title, body: values.body, reason: values.reason }, errors, timeZone: app.settings.time_zone,
    attachments: (await listUploadsOfPosts(app.db, [post.id])).get(post.id) ?? [],
    canAttach: hasRole((await findUserById(app.db, post.author_id)) ?? null, 'bijdrager')
  })

  app.get<{ Params: IdParams }>('/post/:id/edit', { schema: { params: idParams } }, async (request, reply) => {
    const { post } = await editablePost(request)
    const draft = await findDraft(app.db, request.viewer!.id, `edit:${post.id}`)
    const event = post.position === 1 ? storedEventValues(await findEvent(app.db, post.topic_id)) : {}
    const values = { ...event, ...(draft ? { title: post.position === 1 && draft.title !== '' ? draft.title : post.topic_title, body: draft.body } : { title: post.topic_title, body: post.body_md }) }
    return reply.page('posts/edit', await editPage(request.i18n, post, values, undefined, undefined, draft?.updated_at))
  })

  // This form may carry files: multipart is parsed in this scope alone, so no other route takes it or pays for its hooks.
  await app.register(async files => {
    await acceptFiles(files)
    files.post<{ Params: IdParams, Body: EditForm }>('/post/:id/edit', {
      schema: { params: idParams, body: withFiles(formSchema(['title', 'body', 'reason', 'preview', ...EVENT_FIELDS], ['remove_files'])) }
    }, async (request, reply) => {
      const { post, url } = await editablePost(request)
      const editor = request.viewer!
      const body = request.body.body ?? ''
      const title = post.position === 1 && request.body.title !== undefined ? request.body.title.trim() : undefined
      const reason = (request.body.reason ?? '').trim()
      const moderating = moderatesForum(editor, post.forum_id)
      const renames = title !== undefined && title !== post.topic_title && !moderating
        ? await countRenamesSince(app.db, post.topic_id, Date.now() - 24 * 3600_000)
        : 0
      // The opening post's form carries the topic's event; a form without the fields leaves it alone.
      // Its times are read on the event's own clock (the site's zone may have changed since it was made).
      const zone = post.position === 1 ? (await findEvent(app.db, post.topic_id))?.time_zone ?? app.settings.time_zone : app.settings.time_zone
      const event = post.position === 1 && hasEventFields(request.body) ? parseEventFields(request.body, zone) : { ok: true as const, event: undefined }
      const errors = collectErrors({
        body: checkBody(body),
        title: title === undefined ? null : checkTitle(title) ?? (mayRenameTopic(editor, post.forum_id, renames) ? null : 'form.title_renamed_too_often'),
        reason: checkReason(reason),
        ...(event.ok ? {} : event.errors)
      })
      if (errors || !event.ok) return reply.page('posts/edit', await editPage(request.i18n, post, request.body, errors ?? undefined), 400)
      const refused = async (refusal: Refusal): Promise<FastifyReply> => reply.page('posts/edit', await editPage(request.i18n, post, request.body, refusal.errors), refusalStatus(reply, refusal))
      // Edits are spaced like posts; a moderator's are not.
      const wait = moderating || request.body.preview !== undefined ? 0 : editWait(editor, app.settings)
      if (wait > 0) return refused(tooSoon(request.i18n, Math.ceil(wait / 1000), 'form.wait_edit'))
      // Links follow the author's standing, not the editor's.
      const author = (await findUserById(app.db, post.author_id))!
      const rendered = await renderForm(app, body, { id: editor.id, trusted: isTrustedAuthor(author) })
      if (!rendered.ok) return refused(rendered)
      // "Voorbeeld": the post as it will show, the text kept, nothing stored.
      if (request.body.preview !== undefined) {
        await saveDraft(app.db, editor.id, `edit:${post.id}`, { title: title ?? '', body })
        return reply.page('posts/edit', await editPage(request.i18n, post, request.body, undefined, rendered.bodyHtml, Date.now()))
      }
      // An author's edit passes the approval queue's rules like a new post; a moderator's edit does not.
      const requeue = !post.queued && !moderating && mustWaitForApproval(author, app.settings, countLinks(rendered.bodyHtml))
      // Files: those ticked go, new ones come (the author must be allowed files), five at most in all.
      const current = (await listUploadsOfPosts(app.db, [post.id])).get(post.id) ?? []
      const ticked = new Set([request.body.remove_files ?? []].flat())
      const removed = current.filter(file => ticked.has(String(file.id)))
      const received = await receiveFiles(app, author, request.body.files)
      if (!received.ok) return refused(received)
      const attachments = received.files
      if (current.length - removed.length + attachments.length > MAX_FILES) {
        await discardFiles(app, attachments)
        return refused({ ok: false, status: 400, errors: { files: 'upload.too_many' } })
      }
      let slug: string
      try {
        slug = await editPost(app.db, {
          postId: post.id, editorId: editor.id, bodyMd: body, bodyHtml: rendered.bodyHtml, title, reason, requeue,
          expectedLastEditAt: moderating ? undefined : editor.last_edit_at, attachments, removeUploadIds: removed.map(file => file.id), event: event.event
        })
      } catch (error) {
        await discardFiles(app, attachments)
        if (!(error instanceof PostedMeanwhile)) throw error
        return refused(tooSoon(request.i18n, Math.max(1, Math.ceil(editWait({ ...editor, last_edit_at: Date.now() }, app.settings) / 1000)), 'form.wait_edit'))
      }
      await discardFiles(app, removed.map(file => ({ storedName: file.stored_name, thumbName: file.thumb_name })))
      await removeDraft(app.db, editor.id, `edit:${post.id}`)
      // A requeued post moves to the end for its author: /post/ID knows where.
      return reply.done(requeue ? `/post/${post.id}` : url.replace(`/topic/${post.topic_slug}`, `/topic/${slug}`), requeue ? 'flash.post_requeued' : 'flash.post_saved')
    })
  })

  app.get<{ Params: IdParams }>('/post/:id/revisions', { schema: { params: idParams } }, async (request, reply) => {
    const { post } = await visiblePost(request)
    ensure(can(request.viewer, { do: 'forum.moderate', forumId: post.forum_id }))
    return reply.page('posts/revisions', { title: request.i18n.t('post.revisions'), post, revisions: await listRevisions(app.db, post.id) })
  })

  // The report form folds open under every post; this page holds it on its own, and comes back with an error.
  const reportPage = (i18n: Translator, post: PostInTopic, url: string, values: { reason?: string }, errors?: Record<string, string>): Record<string, unknown> =>
    ({ title: i18n.t('report.title'), post, url, values, errors })

  app.get<{ Params: IdParams }>('/post/:id/report', { schema: { params: idParams } }, async (request, reply) => {
    const { post, url } = await visiblePost(request)
    ensure(can(request.viewer, { do: 'post.report', post }))
    return reply.page('posts/report', reportPage(request.i18n, post, url, {}))
  })

  // In a question forum the asker (or a moderator) marks one reply the answer; again to undo.
  app.post<{ Params: IdParams }>('/post/:id/accept', { schema: { params: idParams, body: formSchema([]) } }, async (request, reply) => {
    const { post, url, topic } = await visiblePost(request)
    ensure(can(request.viewer, { do: 'answer.accept', topic, questionForum: topic.forum_kind === 'questions' }))
    if (post.position === 1 || post.visible_position === null || post.deleted_at !== null) throw new HttpError(400, 'answer.only_replies')
    const outcome = await toggleAnswer(app.db, post, request.viewer!.id, app.settings.mail_delay_minutes * 60_000)
    if (outcome === 'accepted') app.notifier.wake()
    return reply.done(url, `flash.answer_${outcome}`)
  })

  app.post<{ Params: IdParams, Body: { reason?: string } }>('/post/:id/report', {
    schema: { params: idParams, body: formSchema(['reason']) }
  }, async (request, reply) => {
    const { post, url } = await visiblePost(request)
    ensure(can(request.viewer, { do: 'post.report', post }))
    const reason = (request.body.reason ?? '').trim()
    const error = checkReason(reason) ?? (reason === '' ? 'form.reason_required' : null)
    if (error) return reply.page('posts/report', reportPage(request.i18n, post, url, request.body, { reason: error }), 400)
    const reported = await reportPost(app.db, { postId: post.id, reporterId: request.viewer!.id, reason })
    return reply.done(url, reported ? 'flash.reported' : 'flash.already_reported')
  })

  app.post<{ Params: IdParams, Body: { action?: string, reason?: string, from?: string } }>('/post/:id/moderate', {
    schema: { params: idParams, body: formSchema(['action', 'reason', 'from']) }
  }, async (request, reply) => {
    const { post, url } = await visiblePost(request)
    ensure(can(request.viewer, { do: 'forum.moderate', forumId: post.forum_id }))
    const action = request.body.action ?? ''
    const reason = (request.body.reason ?? '').trim()
    const changes: Record<string, { hidden?: boolean, approve?: boolean }> = {
      hide: { hidden: true }, unhide: { hidden: false }, approve: { approve: true }
    }
    const change = Object.hasOwn(changes, action) ? changes[action] : undefined
    if (!change) throw new HttpError(400, 'moderation.unknown_action')
    if (checkReason(reason)) return retryWithReason(reply, request.url, request.body, { href: url, text: post.topic_title })
    await setPostState(app.db, post, change, { moderatorId: request.viewer!.id, action: `post.${action}`, reason })
    // An approved post is told to its followers now.
    if (action === 'approve') app.notifier.wake()
    // Approving from the queue goes back to the queue, for the next one.
    return reply.done(request.body.from === 'queue' ? '/moderation/queue' : url, `flash.post_${action}`)
  })
}
