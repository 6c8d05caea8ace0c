import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ensure, notFound } from '../plugins/errors.js'
import { can, hasRole, moderatesForum, type Viewer } from '../permissions.js'
import type { Post } from '../db/schema.js'
import type { DB } from '../db/index.js'
import { findRenamedTopicSlug, findTopicBySlug, type TopicWithForum } from '../models/topics.js'
import { createReply, findPostById, findVisiblePostWithAuthor, listPostsInTopic, listQueuedPostsByAuthor } from '../models/posts.js'
import { listLikedPostIds } from '../models/likes.js'
import { findDraft, removeDraft } from '../models/drafts.js'
import { findUserById } from '../models/users.js'
import { quoteMarkdown } from '../lib/quotes.js'
import { eventPanel, proposalPanel } from './gatherings.js'
import { listUploadsOfPosts } from '../models/uploads.js'
import { acceptFiles, withFiles } from '../lib/uploads.js'
import { receiveFiles } from './attachments.js'
import { listTopicNotices } from '../models/moderation.js'
import { markPostsRead } from '../models/notifications.js'
import { markTopicRead } from '../models/reads.js'
import { readsForum } from '../models/readable.js'
import { findWatchLevel, TOPIC_LEVELS } from '../models/watches.js'
import { topicNotices } from './topic-notices.js'
import { forumPath, listForumsFlat } from '../models/forums.js'
import { pageLinks, pageOfPosition, paginate, parsePageParam } from '../lib/pagination.js'
import { checkBody, collectErrors, formSchema, type FieldErrors, parseId, slugParams } from '../lib/validation.js'
import { preparePost, previewPost, refusalStatus, writePost, type Refusal } from './posting.js'

interface SlugPage { slug: string, n?: string }

export function topicPageUrl (slug: string, page: number): string {
  return page === 1 ? `/topic/${slug}` : `/topic/${slug}/page/${page}`
}

/** Where a post lives for this viewer: the page of its topic that holds it, or null if they may not see it. */
export function postUrlFor (viewer: Viewer, slug: string, forumId: number, post: Pick<Post, 'id' | 'position' | 'visible_position' | 'author_id' | 'hidden' | 'queued'>, perPage: number, visiblePostCount: number): string | null {
  let position: number | null
  if (moderatesForum(viewer, forumId)) position = post.position
  else if (post.visible_position !== null) position = post.visible_position
  // An author's own queued post is shown after the visible posts, on the last page.
  else if (post.queued && !post.hidden && viewer?.id === post.author_id) position = Math.max(1, visiblePostCount)
  else position = null
  return position === null ? null : `${topicPageUrl(slug, pageOfPosition(position, perPage))}#post-${post.id}`
}

/**
 * Whether a viewer may open a topic at all: only in a forum they read; hidden topics and
 * unapproved new topics are for moderators (and their author).
 */
export async function canSeeTopic (db: DB, viewer: Viewer, topic: TopicWithForum): Promise<boolean> {
  if (!await readsForum(db, viewer, { id: topic.forum_id, private: topic.forum_private })) return false
  if (moderatesForum(viewer, topic.forum_id)) return true
  if (topic.hidden) return false
  return (!topic.queued && topic.visible_post_count > 0) || (viewer !== null && viewer.id === topic.author_id)
}

/**
 * The topic at `slug`, or the one that left `slug` behind when it was renamed, if this viewer
 * may see it. Anything else is not found, so no answer tells that a hidden topic exists.
 */
export async function findVisibleTopic (db: DB, viewer: Viewer, slug: string): Promise<{ topic: TopicWithForum, renamed: boolean }> {
  const current = await findTopicBySlug(db, slug)
  const topic = current ?? await findFormerlyNamed(db, slug)
  if (!topic || !await canSeeTopic(db, viewer, topic)) throw notFound()
  return { topic, renamed: current === undefined }
}

const findFormerlyNamed = async (db: DB, oldSlug: string): Promise<TopicWithForum | undefined> => findTopicBySlug(db, await findRenamedTopicSlug(db, oldSlug) ?? '')

/** A topic a moderator names in a form by its slug or its URL, current or former; the caller checks they may see it. */
export async function findTopicByReference (db: DB, typed: string): Promise<TopicWithForum | undefined> {
  const slug = typed.trim().replace(/^.*\/topic\//, '').replace(/[/#?].*$/, '')
  return await findTopicBySlug(db, slug) ?? await findFormerlyNamed(db, slug)
}

export default async function topicRoutes (app: FastifyInstance): Promise<void> {
  async function renderTopicPage (request: FastifyRequest, reply: FastifyReply, topic: TopicWithForum, pageNumber: number,
    form: { values?: Record<string, unknown>, errors?: FieldErrors, status?: number, preview?: string, draftSavedAt?: number } = {}): Promise<FastifyReply> {
    const viewer = request.viewer
    // Moderators page through every post, everyone else through the visible ones.
    const everything = moderatesForum(viewer, topic.forum_id)
    const perPage = app.settings.posts_per_page
    const page = paginate(pageNumber, perPage, everything ? topic.post_count : topic.visible_post_count)
    if (!page) throw notFound()
    const posts = await listPostsInTopic(app.db, topic.id, { first: page.first, last: page.last, everything })
    // Seeing the posts reads their notifications, and a mail still waiting about them is not sent.
    if (viewer !== null && posts.length > 0) {
      // The header already counted the unread notifications: with none, there is nothing to mark.
      if (request.unreadNotifications > 0) await markPostsRead(app.db, viewer.id, posts.map(post => post.id))
      await markTopicRead(app.db, viewer.id, topic.id, Math.max(...posts.map(post => post.position)))
    }
    const ownQueued = viewer !== null && !everything && page.number === page.pageCount
      ? await listQueuedPostsByAuthor(app.db, topic.id, viewer.id)
      : []
    const replyDecision = can(viewer, { do: 'topic.reply', topic })
    // Which of the page's posts this member marked "Nuttig": only posts with a mark can be among them.
    const marked = posts.filter(post => post.like_count > 0).map(post => post.id)
    const liked = viewer !== null && marked.length > 0 ? await listLikedPostIds(app.db, viewer.id, marked) : new Set<number>()
    // Coming back to the topic brings back what the member was typing.
    const draft = form.values === undefined && viewer !== null && replyDecision.ok ? await findDraft(app.db, viewer.id, `reply:${topic.id}`) : undefined
    // Most topics are in a top-level forum and were never closed or moved: then neither list is read.
    const forums = everything || topic.forum_parent_id !== null || topic.has_notices ? await listForumsFlat(app.db, viewer?.id ?? null) : []
    const questions = topic.forum_kind === 'questions'
    const mayAccept = questions && can(viewer, { do: 'answer.accept', topic, questionForum: true }).ok
    // The accepted answer shows under the question, on the first page.
    const answer = questions && topic.answer_post_id !== null && page.number === 1 ? await findVisiblePostWithAuthor(app.db, topic.answer_post_id, topic.id) : undefined
    // The files of the page's posts and of the answer shown under the question, in one query.
    const attachments = await listUploadsOfPosts(app.db, [...posts.map(post => post.id), ...(answer === undefined ? [] : [answer.id])])
    return reply.page('topics/show', {
      title: topic.title,
      topic,
      event: topic.has_event && page.number === 1 ? await eventPanel(app.db, viewer, topic, request.i18n.locale) : null,
      proposal: topic.forum_kind === 'proposals' ? await proposalPanel(app.db, viewer, topic) : null,
      posts: [...posts, ...ownQueued].map(post => ({
        ...post,
        canEdit: can(viewer, { do: 'post.edit', post, topic, settings: app.settings }).ok,
        canReport: can(viewer, { do: 'post.report', post }).ok,
        canDelete: can(viewer, { do: 'post.delete', post, topic, settings: app.settings }).ok,
        canLike: post.visible_position !== null && can(viewer, { do: 'post.like', post }).ok,
        liked: liked.has(post.id),
        quoteUrl: replyDecision.ok && post.deleted_at === null && post.visible_position !== null ? `/topic/${topic.slug}/reply?quote=${post.id}` : null,
        canModerate: everything,
        canSplit: everything && post.position > 1,
        canAccept: mayAccept && post.position > 1 && post.visible_position !== null,
        attachments: attachments.get(post.id) ?? [],
        isAnswer: topic.answer_post_id === post.id
      })),
      answer: answer === undefined ? null : { ...answer, isAnswer: true, answerCopy: true, attachments: attachments.get(answer.id) ?? [] },
      canAttach: hasRole(viewer, 'bijdrager'),
      questions,
      summary: request.i18n.t('pagination.posts', { count: posts.length, first: page.first, last: page.last, total: page.total }),
      pageLinks: page.pageCount > 1 ? pageLinks(page, n => topicPageUrl(topic.slug, n)) : [],
      canReply: replyDecision.ok,
      watch: viewer === null ? null : { level: await findWatchLevel(app.db, viewer.id, { topicId: topic.id }), levels: TOPIC_LEVELS },
      replyRefusal: !replyDecision.ok && viewer !== null ? replyDecision.reason : null,
      loginUrl: `/login?next=${encodeURIComponent(request.url)}`,
      breadcrumbs: topic.forum_parent_id === null ? [{ slug: topic.forum_slug, name: topic.forum_name }] : forumPath(forums, topic.forum_id),
      feed: topic.hidden || topic.queued ? null : { href: `/topic/${topic.slug}/feed`, title: topic.title },
      notices: topic.has_notices ? topicNotices(request.i18n, topic.id, topic.locked === 1, await listTopicNotices(app.db, topic.id), forums) : [],
      moderator: everything ? { forums } : null,
      values: form.values ?? (draft ? { body: draft.body } : {}),
      draftSavedAt: form.draftSavedAt ?? draft?.updated_at,
      errors: form.errors,
      preview: form.preview
    }, form.status)
  }

  async function showTopic (request: FastifyRequest<{ Params: SlugPage }>, reply: FastifyReply): Promise<FastifyReply> {
    const { slug, n } = request.params
    const pageNumber = parsePageParam(n)
    if (pageNumber === null) throw notFound()
    const { topic, renamed } = await findVisibleTopic(app.db, request.viewer, slug)
    if (renamed) return reply.redirect(topicPageUrl(topic.slug, pageNumber), 301)
    return renderTopicPage(request, reply, topic, pageNumber)
  }
  app.get('/topic/:slug', { schema: { params: slugParams } }, showTopic)
  app.get('/topic/:slug/page/:n', { schema: { params: slugParams } }, showTopic)

  // The reply form on a page of its own: "Citeren" under a post (?quote=ID) brings it here holding the quote.
  app.get<{ Params: SlugPage, Querystring: { quote?: string } }>('/topic/:slug/reply', {
    schema: { params: slugParams, querystring: { type: 'object', properties: { quote: { type: 'string' } } } }
  }, async (request, reply) => {
    const { topic } = await findVisibleTopic(app.db, request.viewer, request.params.slug)
    ensure(can(request.viewer, { do: 'topic.reply', topic }))
    const viewer = request.viewer!
    const draft = await findDraft(app.db, viewer.id, `reply:${topic.id}`)
    let body = draft?.body ?? ''
    if (request.query.quote !== undefined) {
      const id = parseId(request.query.quote)
      const quoted = id === null ? undefined : await findPostById(app.db, id)
      // A post of this topic that this reader sees, and that still says something.
      if (!quoted || quoted.topic_id !== topic.id || quoted.deleted_at !== null || quoted.visible_position === null ||
        postUrlFor(viewer, topic.slug, topic.forum_id, quoted, app.settings.posts_per_page, topic.visible_post_count) === null) throw notFound()
      const author = (await findUserById(app.db, quoted.author_id))!
      body = (body.trim() === '' ? '' : `${body.trimEnd()}\n\n`) + quoteMarkdown(author.username, quoted.id, request.i18n.t('quote.wrote'), quoted.body_md)
    }
    const forums = topic.forum_parent_id === null ? [] : await listForumsFlat(app.db, viewer.id)
    return reply.page('topics/reply', {
      title: request.i18n.t('topic.reply_to', { title: topic.title }), topic, values: { body }, draftSavedAt: draft?.updated_at,
      breadcrumbs: topic.forum_parent_id === null ? [{ slug: topic.forum_slug, name: topic.forum_name }] : forumPath(forums, topic.forum_id)
    })
  })

  // This form may carry files: multipart is parsed in this scope alone, so no other route takes it or pays for its hooks.
  await app.register(async files => {
    await acceptFiles(files)
    files.post<{ Params: SlugPage, Body: { body?: string, files?: unknown, preview?: string } }>('/topic/:slug/reply', {
      schema: { params: slugParams, body: withFiles(formSchema(['body', 'preview'])) }
    }, async (request, reply) => {
      // A reply sent to a topic renamed meanwhile still lands: nothing typed is lost.
      const { topic } = await findVisibleTopic(app.db, request.viewer, request.params.slug)
      ensure(can(request.viewer, { do: 'topic.reply', topic }))
      const viewer = request.viewer!
      const body = request.body.body ?? ''
      const lastPage = (): number => pageOfPosition(moderatesForum(viewer, topic.forum_id) ? topic.post_count : topic.visible_post_count, app.settings.posts_per_page)
      const errors = collectErrors({ body: checkBody(body) })
      if (errors) return renderTopicPage(request, reply, topic, lastPage(), { values: request.body, errors, status: 400 })
      const refused = (refusal: Refusal): Promise<FastifyReply> =>
        renderTopicPage(request, reply, topic, lastPage(), { values: request.body, errors: refusal.errors, status: refusalStatus(reply, refusal) })
      // "Voorbeeld": the post as it will show, the text kept, nothing stored.
      if (request.body.preview !== undefined) {
        const shown = await previewPost(app, viewer, `reply:${topic.id}`, { title: '', body })
        if (!shown.ok) return refused(shown)
        return renderTopicPage(request, reply, topic, lastPage(), { values: { body }, preview: shown.bodyHtml, draftSavedAt: Date.now() })
      }
      const prepared = await preparePost(app, viewer, body, false)
      if (!prepared.ok) return refused(prepared)
      const { bodyHtml, queued, expectedLastPostAt } = prepared
      const received = await receiveFiles(app, viewer, request.body.files)
      if (!received.ok) return refused(received)
      const attachments = received.files
      const written = await writePost(app, viewer, () => createReply(app.db, { topicId: topic.id, authorId: viewer.id, bodyMd: body, bodyHtml, queued, expectedLastPostAt, notify: true, attachments }), () => topic.id, attachments)
      if (!written.ok) return refused(written)
      const post = written.value
      await removeDraft(app.db, viewer.id, `reply:${topic.id}`)
      const visible = topic.visible_post_count + (queued ? 0 : 1)
      return reply.done(postUrlFor(viewer, topic.slug, topic.forum_id, post, app.settings.posts_per_page, visible)!, queued ? 'flash.reply_queued' : 'flash.reply_posted')
    })
  })
}
