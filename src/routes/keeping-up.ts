import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { loggedInMember, notFound } from '../plugins/errors.js'
import type { Viewer } from '../permissions.js'
import { countListedTopics, listLatestTopics, listUnreadTopics, type TopicListItem } from '../models/topics.js'
import { firstUnreadPost, markForumRead, unreadCounts, UNREAD_COUNTED } from '../models/reads.js'
import { findReadableForum } from '../models/readable.js'
import { findPostById } from '../models/posts.js'
import { pageLinks, paginate, parsePageParam } from '../lib/pagination.js'
import type { DB } from '../db/index.js'
import { formSchema, slugParams } from '../lib/validation.js'
import { findVisibleTopic, postUrlFor, topicPageUrl } from './topics.js'

const PER_PAGE = 20

/** Topics as lists show them to this viewer: with how many posts they have not seen (members only). */
export async function withUnread (db: DB, viewer: Viewer, topics: TopicListItem[]): Promise<Array<TopicListItem & { unread: number, unreadMany: boolean }>> {
  const counts = viewer === null ? new Map<number, number>() : await unreadCounts(db, viewer, topics.map(topic => topic.id))
  return topics.map(topic => ({ ...topic, unread: counts.get(topic.id) ?? 0, unreadMany: (counts.get(topic.id) ?? 0) >= UNREAD_COUNTED }))
}

/** `/latest`, `/unread`, the first unread post of a topic, and marking a forum read. */
export default async function keepingUpRoutes (app: FastifyInstance): Promise<void> {
  async function topicList (request: FastifyRequest<{ Querystring: { page?: string } }>, reply: FastifyReply, what: 'latest' | 'unread'): Promise<FastifyReply> {
    const number = parsePageParam(request.query.page)
    if (number === null) throw notFound()
    const offset = (number - 1) * PER_PAGE
    // The unread list is not counted ahead: one more than a page tells whether there is a next one.
    const topics = what === 'latest'
      ? await listLatestTopics(app.db, request.viewer?.id ?? null, { offset, limit: PER_PAGE })
      : await listUnreadTopics(app.db, request.viewer!.id, { offset, limit: PER_PAGE + 1 })
    const page = what === 'latest' ? paginate(number, PER_PAGE, await countListedTopics(app.db, request.viewer?.id ?? null)) : null
    if (what === 'latest' && !page) throw notFound()
    const url = (n: number): string => n === 1 ? `/${what}` : `/${what}?page=${n}`
    return reply.page('topics/list', {
      title: request.i18n.t(`${what}.title`),
      heading: request.i18n.t(`${what}.title`),
      empty: request.i18n.t(`${what}.empty`),
      topics: await withUnread(app.db, request.viewer, topics.slice(0, PER_PAGE)),
      pageLinks: page && page.pageCount > 1 ? pageLinks(page, url) : [],
      next: what === 'unread' && topics.length > PER_PAGE ? url(number + 1) : null,
      previous: what === 'unread' && number > 1 ? url(number - 1) : null
    })
  }
  const pageQuery = { querystring: { type: 'object', properties: { page: { type: 'string' } } } }

  app.get<{ Querystring: { page?: string } }>('/latest', { schema: pageQuery }, (request, reply) => topicList(request, reply, 'latest'))

  app.get<{ Querystring: { page?: string } }>('/unread', { schema: pageQuery }, async (request, reply) => {
    loggedInMember(request)
    return topicList(request, reply, 'unread')
  })

  app.get<{ Params: { slug: string } }>('/topic/:slug/unread', { schema: { params: slugParams } }, async (request, reply) => {
    const { topic } = await findVisibleTopic(app.db, request.viewer, request.params.slug)
    const viewer = request.viewer
    if (viewer === null) return reply.redirect(topicPageUrl(topic.slug, 1), 302)
    // The first post not seen yet; when all are seen, the last one.
    const first = await firstUnreadPost(app.db, viewer.id, topic.id)
    const post = await findPostById(app.db, first?.id ?? topic.last_post_id ?? 0)
    const url = post ? postUrlFor(viewer, topic.slug, topic.forum_id, post, app.settings.posts_per_page, topic.visible_post_count) : null
    return reply.redirect(url ?? topicPageUrl(topic.slug, 1), 302)
  })

  app.post<{ Params: { slug: string } }>('/forum/:slug/read', { schema: { params: slugParams, body: formSchema([]) } }, async (request, reply) => {
    const forum = await findReadableForum(app.db, request.viewer, request.params.slug)
    if (!forum) throw notFound()
    loggedInMember(request)
    await markForumRead(app.db, request.viewer!.id, forum.id)
    return reply.done(`/forum/${forum.slug}`, 'flash.forum_read')
  })
}
