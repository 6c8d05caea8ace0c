import type { FastifyInstance, FastifyReply } from 'fastify'
import { notFound } from '../plugins/errors.js'
import { findReadableForum } from '../models/readable.js'
import { findTopicBySlug } from '../models/topics.js'
import { listNewestPostEntries, listNewestTopicEntries, type FeedEntry } from '../models/feeds.js'
import { slugParams } from '../lib/validation.js'
import { canSeeTopic } from './topics.js'

const ENTRIES = 20

/**
 * Atom feeds of what a guest may read: the newest topics of the site or a forum, the newest
 * posts of a topic. Ids are the posts' permalinks, stable across edits; links come from BASE_URL.
 */
export default async function feedRoutes (app: FastifyInstance): Promise<void> {
  const base = app.config.baseUrl

  async function atom (reply: FastifyReply, self: string, title: string, page: string, entries: FeedEntry[]): Promise<FastifyReply> {
    // Loaded at the first feed asked for, not at every start.
    const { Feed } = await import('feed')
    const updated = entries.reduce((latest, e) => Math.max(latest, e.edited_at ?? e.created_at), 0)
    const feed = new Feed({
      id: `${base}${self}`, title, link: `${base}${page}`, language: app.config.locale, copyright: '',
      updated: new Date(updated || Date.now()), feedLinks: { atom: `${base}${self}` }, generator: 'Kring'
    })
    for (const entry of entries) {
      const url = `${base}/post/${entry.post_id}`
      feed.addItem({
        id: url, link: url, title: entry.title, date: new Date(entry.edited_at ?? entry.created_at), published: new Date(entry.created_at),
        author: [{ name: entry.author, link: `${base}/user/${encodeURIComponent(entry.author)}` }],
        // Post links are relative on the site; a feed reader needs them absolute.
        content: entry.body_html.replace(/(href|src)="\//g, `$1="${base}/`)
      })
    }
    return reply.type('application/atom+xml; charset=utf-8').send(feed.atom1())
  }

  app.get('/feed', async (request, reply) =>
    atom(reply, '/feed', request.i18n.t('feed.site', { site: new URL(base).host }), '/', await listNewestTopicEntries(app.db, null, ENTRIES)))

  app.get<{ Params: { slug: string } }>('/forum/:slug/feed', { schema: { params: slugParams } }, async (request, reply) => {
    // A feed is for anyone who has its address: a forum a guest may not read has none.
    const forum = await findReadableForum(app.db, null, request.params.slug)
    if (!forum) throw notFound()
    return atom(reply, `/forum/${forum.slug}/feed`, request.i18n.t('feed.forum', { name: forum.name }), `/forum/${forum.slug}`, await listNewestTopicEntries(app.db, forum.id, ENTRIES))
  })

  app.get<{ Params: { slug: string } }>('/topic/:slug/feed', { schema: { params: slugParams } }, async (request, reply) => {
    const topic = await findTopicBySlug(app.db, request.params.slug)
    // A feed is for anyone who has its address: what a guest may not read has none.
    if (!topic || !await canSeeTopic(app.db, null, topic)) throw notFound()
    return atom(reply, `/topic/${topic.slug}/feed`, request.i18n.t('feed.topic', { title: topic.title }), `/topic/${topic.slug}`, await listNewestPostEntries(app.db, topic.id, ENTRIES))
  })
}
