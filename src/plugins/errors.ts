import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { loginFirst, type Decision } from '../permissions.js'
import type { User } from '../db/schema.js'
import { storageTrouble } from '../db/index.js'

/** An answer other than success, with a locale key that says why. */
export class HttpError extends Error {
  constructor (readonly statusCode: number, readonly reason: string, readonly needsLogin = false) {
    super(reason)
  }
}

export const notFound = (): HttpError => new HttpError(404, 'error.not_found')

/** Throws the refusal in a permission decision; the error handler turns it into 403 or a login redirect. */
export function ensure (decision: Decision): void {
  if (!decision.ok) throw new HttpError(403, decision.reason, decision.needsLogin)
}

/** The member asking; a guest is sent to log in first. */
export function loggedInMember (request: FastifyRequest): User {
  if (request.viewer === null) ensure(loginFirst)
  return request.viewer!
}

/** Only local paths of printable ASCII (as browsers send them): "/x" but not "//host" or "/\host". */
export function localPath (value: unknown): string | null {
  if (typeof value !== 'string' || !/^\/(?![/\\])/.test(value) || !/^[\x21-\x7e]*$/.test(value) || value.includes('\\')) return null
  return value
}

function loginRedirect (request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let next = request.method === 'GET' ? request.url : null
  if (next === null && request.headers.referer) {
    try {
      const referer = new URL(request.headers.referer)
      next = localPath(referer.pathname + referer.search)
    } catch { /* no usable referer: back to the index after login */ }
  }
  const target = next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login'
  return reply.redirect(target, 303)
}

const CSRF_ERRORS = new Set(['FST_CSRF_MISSING_SECRET', 'FST_CSRF_INVALID_TOKEN'])

/** One error handler: refusals and client errors get a page that says why; 5xx detail stays in the log. */
export default fp(async app => {
  app.setErrorHandler(async (error: Error & { statusCode?: number, code?: string, validation?: unknown, syscall?: string }, request, reply) => {
    if (error instanceof HttpError) {
      if (error.needsLogin && request.viewer === null) return loginRedirect(request, reply)
      return reply.page('errors/error', { status: error.statusCode, reason: error.reason }, error.statusCode)
    }
    if (error.code !== undefined && CSRF_ERRORS.has(error.code)) {
      return reply.page('errors/error', { status: 403, reason: 'error.csrf' }, 403)
    }
    const trouble = storageTrouble(error)
    if (trouble !== null) {
      // The disk is full, the database stayed locked or cannot be reached: nothing was stored; it works again later.
      request.log.error({ err: error }, 'storage unavailable')
      reply.header('retry-after', trouble === 'database_unreachable' ? 5 : 60)
      const reason = `error.${trouble}`
      // Nothing a member typed is lost: a post comes back in a form that sends it again.
      const typed = request.method === 'POST' ? request.body as { title?: unknown, body?: unknown } | undefined : undefined
      if (typeof typed?.body === 'string') {
        return reply.page('errors/retry', { status: 503, reason, action: request.url, values: typed, hasTitle: typeof typed.title === 'string' }, 503)
      }
      return reply.page('errors/error', { status: 503, reason }, 503)
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      request.log.info({ err: error }, 'client error')
      const reasons: Record<number, string> = { 413: 'error.too_large', 415: 'error.unsupported', 429: 'error.too_many' }
      // Statuses without a page title of their own read as a bad request.
      const titled = [400, 403, 404, 413, 415, 429].includes(status) ? status : 400
      return reply.page('errors/error', { status: titled, reason: reasons[status] ?? 'error.bad_request' }, status)
    }
    request.log.error({ err: error }, 'request failed')
    return reply.page('errors/error', { status: 500, reason: 'error.server', requestId: request.id }, 500)
  })

  // Probing for pages that do not exist is slowed down per address.
  app.setNotFoundHandler({ preHandler: app.limit('not-found', 60, 60_000) }, async (_request, reply) => {
    return reply.page('errors/error', { status: 404, reason: 'error.not_found' }, 404)
  })
}, { name: 'errors', dependencies: ['views', 'security'] })
