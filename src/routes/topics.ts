import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ensure, notFound } from '../plugins/errors.js'
import { can } from '../permissions.js'
import { findRenamedTopicSlug, findTopicBySlug, type TopicWithForum } from '../models/topics.js'
import { createReply, listPostsInTopic, renderPostBody } from '../models/posts.js'
import { pageLinks, pageOfPosition, paginate, parsePageParam } from '../lib/pagination.js'
import { checkBody, collectErrors, formSchema, type FieldErrors, slugParams } from '../lib/validation.js'

interface SlugPage { slug: string, n?: string }

export function topicPageUrl (slug: string, page: number): string {
  return page === 1 ? `/topic/${slug}` : `/topic/${slug}/page/${page}`
}

/** Where a post lives: the page of its topic that holds its position. */
export function postUrl (slug: string, position: number, postId: number, perPage: number): string {
  return `/topic/${slug}/page/${pageOfPosition(position, perPage)}#post-${postId}`
}

export default async function topicRoutes (app: FastifyInstance): Promise<void> {
  async function renderTopicPage (request: FastifyRequest, reply: FastifyReply, topic: TopicWithForum, pageNumber: number,
    form: { values?: Record<string, unknown>, errors?: FieldErrors, status?: number } = {}): Promise<FastifyReply> {
    const perPage = app.settings.posts_per_page
    const page = paginate(pageNumber, perPage, topic.post_count)
    if (!page) throw notFound()
    const posts = await listPostsInTopic(app.db, topic.id, page.first, page.last)
    const viewer = request.viewer
    const replyDecision = can(viewer, { do: 'topic.reply', topic })
    return reply.page('topics/show', {
      title: topic.title,
      topic,
      posts: posts.map(post => ({
        ...post,
        canEdit: can(viewer, { do: 'post.edit', post, settings: app.settings }).ok
      })),
      summary: app.i18n.t('pagination.posts', { count: posts.length, first: page.first, last: page.last, total: page.total }),
      pageLinks: page.pageCount > 1 ? pageLinks(page, n => topicPageUrl(topic.slug, n)) : [],
      canReply: replyDecision.ok,
      replyRefusal: !replyDecision.ok && viewer !== null ? replyDecision.reason : null,
      loginUrl: `/login?next=${encodeURIComponent(request.url)}`,
      values: form.values ?? {},
      errors: form.errors
    }, form.status)
  }

  async function showTopic (request: FastifyRequest<{ Params: SlugPage }>, reply: FastifyReply): Promise<FastifyReply> {
    const { slug, n } = request.params
    const pageNumber = parsePageParam(n)
    if (pageNumber === null) throw notFound()
    const topic = await findTopicBySlug(app.db, slug)
    if (!topic) {
      const renamed = await findRenamedTopicSlug(app.db, slug)
      if (renamed === undefined) throw notFound()
      return reply.redirect(topicPageUrl(renamed, pageNumber), 301)
    }
    if (topic.hidden) throw notFound()
    return renderTopicPage(request, reply, topic, pageNumber)
  }
  app.get('/topic/:slug', { schema: { params: slugParams } }, showTopic)
  app.get('/topic/:slug/page/:n', { schema: { params: slugParams } }, showTopic)

  app.post<{ Params: SlugPage, Body: { body?: string } }>('/topic/:slug/reply', {
    schema: { params: slugParams, body: formSchema(['body']) }
  }, async (request, reply) => {
    const topic = await findTopicBySlug(app.db, request.params.slug)
    if (!topic || topic.hidden) throw notFound()
    ensure(can(request.viewer, { do: 'topic.reply', topic }))
    const viewer = request.viewer!
    const body = request.body.body ?? ''
    const errors = collectErrors({ body: checkBody(body) })
    if (errors) {
      const lastPage = pageOfPosition(topic.post_count, app.settings.posts_per_page)
      return renderTopicPage(request, reply, topic, lastPage, { values: request.body, errors, status: 400 })
    }
    const post = await createReply(app.db, {
      topicId: topic.id, authorId: viewer.id, bodyMd: body, bodyHtml: await renderPostBody(app.db, body, viewer)
    })
    return reply.redirect(postUrl(topic.slug, post.position, post.id, app.settings.posts_per_page), 303)
  })
}
