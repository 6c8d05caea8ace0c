import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ensure, notFound } from '../plugins/errors.js'
import { can } from '../permissions.js'
import { findForumBySlug, listForumTree, listSubforums } from '../models/forums.js'
import { createTopic, listTopicsInForum } from '../models/topics.js'
import { renderPostBody } from '../models/posts.js'
import { pageLinks, paginate, parsePageParam } from '../lib/pagination.js'
import { checkBody, checkTitle, collectErrors, formSchema, slugParams } from '../lib/validation.js'
import type { Forum } from '../db/schema.js'

interface SlugPage { slug: string, n?: string }
interface TopicForm { title?: string, body?: string }

export default async function forumRoutes (app: FastifyInstance): Promise<void> {
  app.get('/', async (_request, reply) => {
    return reply.page('forums/index', { forums: await listForumTree(app.db) })
  })

  async function showForum (request: FastifyRequest<{ Params: SlugPage }>, reply: FastifyReply): Promise<FastifyReply> {
    const forum = await findForumBySlug(app.db, request.params.slug)
    const pageNumber = parsePageParam(request.params.n)
    if (!forum || pageNumber === null) throw notFound()
    const perPage = app.settings.topics_per_page
    const page = paginate(pageNumber, perPage, forum.topic_count)
    if (!page) throw notFound()
    const topics = await listTopicsInForum(app.db, forum.id, { offset: (page.number - 1) * perPage, limit: perPage })
    return reply.page('forums/show', {
      title: forum.name,
      forum,
      subforums: await listSubforums(app.db, forum.id),
      topics,
      page,
      pageLinks: page.pageCount > 1 ? pageLinks(page, n => n === 1 ? `/forum/${forum.slug}` : `/forum/${forum.slug}/page/${n}`) : [],
      canStartTopic: can(request.viewer, { do: 'topic.create', forum }).ok
    })
  }
  app.get('/forum/:slug', { schema: { params: slugParams } }, showForum)
  app.get('/forum/:slug/page/:n', { schema: { params: slugParams } }, showForum)

  async function forumForNewTopic (request: FastifyRequest<{ Params: SlugPage }>): Promise<Forum> {
    const forum = await findForumBySlug(app.db, request.params.slug)
    if (!forum) throw notFound()
    ensure(can(request.viewer, { do: 'topic.create', forum }))
    return forum
  }

  app.get<{ Params: SlugPage }>('/forum/:slug/new', { schema: { params: slugParams } }, async (request, reply) => {
    const forum = await forumForNewTopic(request)
    return reply.page('topics/new', { title: app.i18n.t('topic.new'), forum, values: {} })
  })

  app.post<{ Params: SlugPage, Body: TopicForm }>('/forum/:slug/new', {
    schema: { params: slugParams, body: formSchema(['title', 'body']) }
  }, async (request, reply) => {
    const forum = await forumForNewTopic(request)
    const viewer = request.viewer!
    const title = (request.body.title ?? '').trim()
    const body = request.body.body ?? ''
    const errors = collectErrors({ title: checkTitle(title), body: checkBody(body) })
    if (errors) {
      return reply.page('topics/new', { title: app.i18n.t('topic.new'), forum, values: request.body, errors }, 400)
    }
    const { topic } = await createTopic(app.db, {
      forumId: forum.id, authorId: viewer.id, title, bodyMd: body, bodyHtml: await renderPostBody(app.db, body, viewer)
    })
    return reply.redirect(`/topic/${topic.slug}`, 303)
  })
}
