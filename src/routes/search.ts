import type { FastifyInstance } from 'fastify'
import { hasRole, isSuspended, moderatedForumIds } from '../permissions.js'
import { parseQuery } from '../search/query.js'
import { snippet } from '../search/snippet.js'
import { searchPosts } from '../models/search.js'
import { pageLinks, paginate } from '../lib/pagination.js'

const PER_PAGE = 10

/** `/search`: any query answers 200, with results or "Niets gevonden"; only what the reader may read. */
export default async function searchRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { q?: string, page?: string, order?: string } }>('/search', {
    schema: { querystring: { type: 'object', properties: { q: { type: 'string' }, page: { type: 'string' }, order: { type: 'string' } } } }
  }, async (request, reply) => {
    const typed = (request.query.q ?? '').slice(0, 2000)
    const order = request.query.order === 'latest' ? 'latest' : 'relevance'
    const number = /^\d{1,6}$/.test(request.query.page ?? '1') ? Math.max(1, Number(request.query.page ?? 1)) : 1
    const viewer = request.viewer
    const moderator = hasRole(viewer, 'moderator') && !isSuspended(viewer)
    const query = parseQuery(typed, app.config.locale)
    const { total, more, hits } = typed.trim() === ''
      ? { total: 0, more: false, hits: [] }
      : await searchPosts(app.db, query, { readerId: viewer?.id ?? null, moderates: moderator ? moderatedForumIds(viewer) : false }, { limit: PER_PAGE, offset: (number - 1) * PER_PAGE, order })
    const page = paginate(number, PER_PAGE, total)
    const url = (n: number): string => `/search?${new URLSearchParams({ q: typed, ...(order === 'latest' ? { order } : {}), ...(n > 1 ? { page: String(n) } : {}) })}`
    return reply.page('search/results', {
      title: request.i18n.t('search.title'),
      q: typed,
      order,
      searched: typed.trim() !== '',
      count: total > 0 ? request.i18n.t(more ? 'search.more' : 'search.count', { count: total }) : null,
      hits: hits.map(hit => ({ ...hit, snippet: snippet(hit.body_md, query.highlight, app.config.locale) })),
      pageLinks: page && page.pageCount > 1 ? pageLinks(page, url) : [],
      orderLinks: { relevance: url(1).replace('&order=latest', ''), latest: `/search?${new URLSearchParams({ q: typed, order: 'latest' })}` }
    })
  })
}
