import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { notFound } from '../plugins/errors.js'
import { findImportedById, findLegacyPath, findReadableForumSlug, findReadableTopicSlug, type LegacyKind } from '../models/legacy-urls.js'

/** bbPress shows 15 posts a page unless its owner changed that (a site option the export does not hold). */
const BBPRESS_POSTS_PER_PAGE = 15

/**
 * A forum brought in by `kring import-bbpress` keeps its old addresses: /forums/topic/SLUG/ (and its
 * /page/N/), /forums/forum/PARENT/CHILD/, /forums/reply/SLUG/, /?p=ID and /?post_type=topic&p=ID
 * answer 301 to the same content here. No redirect names a topic or forum the visitor may not read.
 * A fragment (#post-123) never reaches a server: the browser keeps it across the redirect, and the
 * imported post carries its old id (see data/bbpress/import.ts).
 */
export default fp(async function legacyUrlRoutes (app: FastifyInstance): Promise<void> {
  async function target (request: FastifyRequest, found: { kind: LegacyKind, new_id: number }, oldPage = 1): Promise<string | undefined> {
    const readerId = request.viewer?.id ?? null
    if (found.kind === 'post') return `/post/${found.new_id}`
    if (found.kind === 'forum') {
      const slug = await findReadableForumSlug(app.db, found.new_id, readerId)
      return slug === undefined ? undefined : `/forum/${slug}`
    }
    const slug = await findReadableTopicSlug(app.db, found.new_id, readerId)
    if (slug === undefined) return undefined
    // The page here that holds the first post of the old page.
    const page = Math.ceil(((oldPage - 1) * BBPRESS_POSTS_PER_PAGE + 1) / app.settings.posts_per_page)
    return page > 1 ? `/topic/${slug}/page/${page}` : `/topic/${slug}`
  }

  /** /?p=ID, /?post_type=topic&p=ID, and bbPress's own /?topic=SLUG, /?forum=SLUG, /?reply=SLUG. */
  async function fromQuery (request: FastifyRequest, query: URLSearchParams): Promise<string | undefined> {
    const id = query.get('p') ?? query.get('page_id')
    if (id !== null && /^\d{1,18}$/.test(id)) {
      const found = await findImportedById(app.db, id, ['topic', 'post', 'forum'])
      return found && await target(request, found)
    }
    for (const kind of ['topic', 'forum', 'reply'] as const) {
      const slug = query.get(kind)
      if (slug === null || slug === '') continue
      const found = await findLegacyPath(app.db, `/forums/${kind}/${slug}`)
      return found && await target(request, found)
    }
    return undefined
  }

  const redirect = (reply: FastifyReply, location: string): FastifyReply => reply.code(301).header('location', location).send()

  // "/" is the forum index: only an old address that names something imported is redirected.
  app.addHook('onRequest', async (request, reply) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !request.url.startsWith('/?')) return
    const location = await fromQuery(request, new URLSearchParams(request.url.slice(2)))
    if (location !== undefined) return redirect(reply, location)
  })

  app.get('/index.php', async (request, reply) => {
    const location = await fromQuery(request, new URLSearchParams(request.url.split('?')[1] ?? ''))
    if (location === undefined) throw notFound()
    return redirect(reply, location)
  })

  app.get('/forums/*', async (request, reply) => {
    let path = request.url.split('?')[0]
    let oldPage = 1
    const paged = /^(.*)\/page\/(\d{1,6})\/?$/.exec(path)
    if (paged) {
      path = paged[1]
      oldPage = Math.max(1, Number(paged[2]))
    }
    const found = await findLegacyPath(app.db, path)
    const location = found && await target(request, found, oldPage)
    if (location === undefined) throw notFound()
    return redirect(reply, location)
  })
}, { name: 'legacy-urls', dependencies: ['database', 'session'] })
