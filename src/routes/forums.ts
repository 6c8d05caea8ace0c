import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ensure, notFound } from '../plugins/errors.js'
import { can, hasRole, moderatesForum } from '../permissions.js'
import { forumPath, listForumsFlat, listForumTree, type ForumSummary } from '../models/forums.js'
import { countTopicsWithHidden, countUnansweredTopics, createTopic, listAnnouncementsElsewhere, listTopicsInForum } from '../models/topics.js'
import { pageLinks, paginate, parsePageParam } from '../lib/pagination.js'
import { checkBody, checkTitle, collectErrors, formSchema, slugParams } from '../lib/validation.js'
import type { Forum } from '../db/schema.js'
import { preparePost, previewPost, refusalStatus, writePost } from './posting.js'
import { findWatchLevel, FORUM_LEVELS } from '../models/watches.js'
import { findReadableForum } from '../models/readable.js'
import { findDraft, removeDraft } from '../models/drafts.js'
import { acceptFiles, withFiles } from '../lib/uploads.js'
import { receiveFiles } from './attachments.js'
import { topicPageUrl } from './topics.js'
import { withUnread } from './keeping-up.js'
import { EVENT_FIELDS, eventValues, parseEventFields, type EventFields } from '../events/form.js'

interface SlugPage { slug: string, n?: string }
interface TopicForm extends EventFields { title?: string, body?: string, files?: unknown, preview?: string }

function findInTree (forums: ForumSummary[], id: number): ForumSummary | undefined {
  for (const forum of forums) {
    const found = forum.id === id ? forum : findInTree(forum.subforums, id)
    if (found) return found
  }
  return undefined
}

export default async function forumRoutes (app: FastifyInstance): Promise<void> {
  app.get('/', async (_request, reply) => {
    return reply.page('forums/index', { forums: await listForumTree(app.db, _request.viewer?.id ?? null), feed: { href: '/feed', title: 'Atom' } })
  })

  async function showForum (request: FastifyRequest<{ Params: SlugPage, Querystring: { filter?: string, sort?: string } }>, reply: FastifyReply): Promise<FastifyReply> {
    const forum = await findReadableForum(app.db, request.viewer, request.params.slug)
    const pageNumber = parsePageParam(request.params.n)
    if (!forum || pageNumber === null) throw notFound()
    // A question forum lists its open questions alone with ?filter=unanswered.
    const unanswered = forum.kind === 'questions' && request.query.filter === 'unanswered'
    const perPage = app.settings.topics_per_page
    // Its moderators see hidden topics too, marked, as they see hidden posts.
    const withHidden = moderatesForum(request.viewer, forum.id)
    const total = unanswered ? await countUnansweredTopics(app.db, forum.id) : withHidden ? await countTopicsWithHidden(app.db, forum.id) : forum.topic_count
    const page = paginate(pageNumber, perPage, total)
    if (!page) throw notFound()
    const proposals = forum.kind === 'proposals'
    const byVotes = proposals && request.query.sort === 'votes'
    const topics = await listTopicsInForum(app.db, forum.id, { offset: (page.number - 1) * perPage, limit: perPage, unanswered, withHidden, byVotes })
    const filterQuery = unanswered ? '?filter=unanswered' : byVotes ? '?sort=votes' : ''
    // A top-level forum's breadcrumb is just "Forums": the forum list is read for subforums only.
    const forums = forum.parent_id === null ? [] : await listForumsFlat(app.db, request.viewer?.id ?? null)
    return reply.page('forums/show', {
      title: forum.name,
      forum,
      breadcrumbs: forumPath(forums, forum.id).slice(0, -1),
      feed: { href: `/forum/${forum.slug}/feed`, title: forum.name },
      subforums: findInTree(await listForumTree(app.db, request.viewer?.id ?? null), forum.id)?.subforums ?? [],
      announcements: await withUnread(app.db, request.viewer, page.number === 1 ? await listAnnouncementsElsewhere(app.db, request.viewer?.id ?? null, forum.id) : []),
      topics: await withUnread(app.db, request.viewer, topics),
      page,
      pageLinks: page.pageCount > 1 ? pageLinks(page, n => `${n === 1 ? `/forum/${forum.slug}` : `/forum/${forum.slug}/page/${n}`}${filterQuery}`) : [],
      questions: forum.kind === 'questions' ? { unanswered } : null,
      proposals: proposals ? { byVotes } : null,
      canStartTopic: can(request.viewer, { do: 'topic.create' }).ok,
      watch: request.viewer === null ? null : { level: await findWatchLevel(app.db, request.viewer.id, { forumId: forum.id }), levels: FORUM_LEVELS }
    })
  }
  const forumQuery = { type: 'object', properties: { filter: { type: 'string' }, sort: { type: 'string' } } }
  app.get('/forum/:slug', { schema: { params: slugParams, querystring: forumQuery } }, showForum)
  app.get('/forum/:slug/page/:n', { schema: { params: slugParams, querystring: forumQuery } }, showForum)

  async function forumForNewTopic (request: FastifyRequest<{ Params: SlugPage }>): Promise<Forum> {
    const forum = await findReadableForum(app.db, request.viewer, request.params.slug)
    if (!forum) throw notFound()
    ensure(can(request.viewer, { do: 'topic.create' }))
    return forum
  }

  const newTopicPage = (reply: FastifyReply, forum: Forum, values: TopicForm, errors?: Record<string, string>, status?: number, preview?: string, draftSavedAt?: number): FastifyReply =>
    reply.page('topics/new', {
      title: reply.request.i18n.t('topic.new'), forum, values: { ...eventValues(values), title: values.title, body: values.body }, errors, preview, draftSavedAt,
      canAttach: hasRole(reply.request.viewer, 'bijdrager'), timeZone: app.settings.time_zone
    }, status)

  app.get<{ Params: SlugPage }>('/forum/:slug/new', { schema: { params: slugParams } }, async (request, reply) => {
    const forum = await forumForNewTopic(request)
    const draft = await findDraft(app.db, request.viewer!.id, `topic:${forum.id}`)
    return newTopicPage(reply, forum, draft ?? {}, undefined, 200, undefined, draft?.updated_at)
  })

  // This form may carry files: multipart is parsed in this scope alone, so no other route takes it or pays for its hooks.
  await app.register(async files => {
    await acceptFiles(files)
    files.post<{ Params: SlugPage, Body: TopicForm }>('/forum/:slug/new', {
      schema: { params: slugParams, body: withFiles(formSchema(['title', 'body', 'preview', ...EVENT_FIELDS])) }
    }, async (request, reply) => {
      const forum = await forumForNewTopic(request)
      const viewer = request.viewer!
      const title = (request.body.title ?? '').trim()
      const body = request.body.body ?? ''
      const event = parseEventFields(request.body, app.settings.time_zone)
      const errors = collectErrors({ title: checkTitle(title), body: checkBody(body), ...(event.ok ? {} : event.errors) })
      if (errors || !event.ok) return newTopicPage(reply, forum, request.body, errors ?? undefined, 400)
      // "Voorbeeld": the post as it will show, the text kept, nothing stored.
      if (request.body.preview !== undefined) {
        const shown = await previewPost(app, viewer, `topic:${forum.id}`, { title, body })
        if (!shown.ok) return newTopicPage(reply, forum, request.body, shown.errors, refusalStatus(reply, shown))
        return newTopicPage(reply, forum, request.body, undefined, 200, shown.bodyHtml, Date.now())
      }
      const prepared = await preparePost(app, viewer, body, true)
      if (!prepared.ok) return newTopicPage(reply, forum, request.body, prepared.errors, refusalStatus(reply, prepared))
      const { bodyHtml, queued, expectedLastPostAt } = prepared
      const received = await receiveFiles(app, viewer, request.body.files)
      if (!received.ok) return newTopicPage(reply, forum, request.body, received.errors, received.status)
      const attachments = received.files
      const written = await writePost(app, viewer, () => createTopic(app.db, { forumId: forum.id, authorId: viewer.id, title, bodyMd: body, bodyHtml, queued, expectedLastPostAt, notify: true, attachments, event: event.event }), value => value.topic.id, attachments)
      if (!written.ok) return newTopicPage(reply, forum, request.body, written.errors, refusalStatus(reply, written))
      await removeDraft(app.db, viewer.id, `topic:${forum.id}`)
      return reply.done(topicPageUrl(written.value.topic.slug, 1), queued ? 'flash.topic_queued' : 'flash.topic_created')
    })
  })
}
