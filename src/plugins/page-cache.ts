import fp from 'fastify-plugin'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Answers a guest's request with a kept page, straight from the HTTP server before any
     * routing (see app.ts), and says whether it did. Requests through `inject` meet the same
     * pages in this plugin's first hook.
     */
    answerFromGuestPages: (request: IncomingMessage, response: ServerResponse) => boolean
  }
  interface FastifyRequest {
    /** Set while a guest's page may be kept for the next guest: the key and the writes counted when it began. */
    guestPage: { key: string, writes: number } | null
  }
}

interface Entry { writes: number, at: number, headers: OutgoingHttpHeaders, body: string }

/** How long a kept page is served: relative dates ("5 minuten geleden") stay this close to right. */
export const GUEST_PAGE_TTL_MS = 20_000
/** All kept pages together stay under this many bytes (of text, as JavaScript stores it), the oldest going first. */
const MAX_TOTAL = 8 * 1024 * 1024
const MAX_URL = 400
const MAX_BYTES = 512 * 1024

/**
 * Guests all see the same pages, so a page rendered for one guest is served to the next
 * (as Discourse's anonymous cache does), until a write that may change a public page (see
 * db/index.ts) or GUEST_PAGE_TTL_MS. A guest here is a GET without any cookie: a member, or
 * anyone holding a flash message or a form token, is always answered afresh, and only pages
 * that set no cookie are kept. Private forums never reach a guest, so they are never kept.
 */
export default fp(async app => {
  const pages = new Map<string, Entry>()
  let total = 0
  app.decorateRequest('guestPage', null)
  function forget (key: string): void {
    total -= pages.get(key)?.body.length ?? 0
    pages.delete(key)
  }

  /** Whether this request is a guest's that a kept page may answer (or that may be kept). */
  const isGuestRequest = (request: IncomingMessage): boolean =>
    request.method === 'GET' && (request.headers.cookie ?? '') === '' && request.url !== undefined && request.url.length <= MAX_URL && !request.url.startsWith('/static/')

  function keptPage (url: string): Entry | undefined {
    const entry = pages.get(url)
    return entry !== undefined && entry.writes === app.writes.count && Date.now() - entry.at < GUEST_PAGE_TTL_MS ? entry : undefined
  }

  // While closing, every answer goes through fastify, which tells the client to close the connection.
  let closing = false
  app.addHook('preClose', async () => { closing = true })

  /** Sends the kept page for a guest's request, if there is one: the headers and bytes the first guest got. */
  function sendKeptPage (url: string, response: ServerResponse): boolean {
    const entry = closing ? undefined : keptPage(url)
    if (entry === undefined) return false
    response.writeHead(200, entry.headers)
    response.end(entry.body)
    return true
  }

  app.decorate('answerFromGuestPages', (request: IncomingMessage, response: ServerResponse): boolean =>
    isGuestRequest(request) && sendKeptPage(request.url!, response))

  app.addHook('onRequest', (request, reply, done) => {
    if (!isGuestRequest(request.raw)) return done()
    if (sendKeptPage(request.url, reply.raw)) {
      // Answered: fastify does nothing more with this request (the hook's done is never called).
      reply.hijack()
      return
    }
    request.guestPage = { key: request.url, writes: app.writes.count }
    done()
  })

  app.addHook('onSend', (request, reply, payload, done) => {
    const guest = request.guestPage
    if (guest !== null && reply.statusCode === 200 && typeof payload === 'string' && payload.length <= MAX_BYTES && !reply.hasHeader('set-cookie') &&
      // A write while the page was made may be half in it: keep it only if none came.
      guest.writes === app.writes.count) {
      const headers = { ...reply.getHeaders(), 'content-length': Buffer.byteLength(payload) } as OutgoingHttpHeaders
      forget(guest.key)
      while (total + payload.length > MAX_TOTAL) forget(pages.keys().next().value!)
      pages.set(guest.key, { writes: guest.writes, at: Date.now(), headers, body: payload })
      total += payload.length
    }
    done(null, payload)
  })
}, { name: 'page-cache', dependencies: ['database'] })
