import fp from 'fastify-plugin'
import { databaseRateLimitStore } from './rate-limit-store.js'
import type { FastifyReply, FastifyRequest } from 'fastify'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import { HttpError } from './errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** An onRequest hook allowing `max` requests per client IP in each window (ms), answering 429 with Retry-After past that. */
    limit: (name: string, max: number, windowMs: number) => (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g

/** stripControls over every text field of a parsed form (multipart forms call it once their body is read). */
export function stripBodyControls (parsed: unknown): void {
  const body = parsed as Record<string, unknown> | null | undefined
  if (body === null || typeof body !== 'object') return
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string') body[key] = stripControls(value)
    else if (Array.isArray(value)) body[key] = value.map(v => typeof v === 'string' ? stripControls(v) : v)
  }
}

export function stripControls (text: string): string {
  return text.replace(CONTROLS, '')
}

/** The Content-Security-Policy of every answer: only our own scripts, styles and images; no framing. */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"]
}

export function cspHeader (): string {
  return Object.entries(CSP_DIRECTIVES)
    .map(([name, values]) => `${name.replace(/[A-Z]/g, ch => `-${ch.toLowerCase()}`)} ${values.join(' ')}`).join('; ')
}

/** Response headers for every answer, rate limits, and only the body types our forms send. */
export default fp(async app => {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: app.config.baseUrl.startsWith('https:') ? { maxAge: 31536000 } : false,
    crossOriginEmbedderPolicy: false
  })

  // request.ip honours X-Forwarded-For only when TRUST_PROXY is set (fastify's trustProxy).
  // On PostgreSQL several processes may answer one member: they count in the database, not each in its memory.
  const store = app.dialect === 'postgres' ? databaseRateLimitStore(app.db, error => app.log.error({ err: error }, 'purging rate limits failed')) : undefined
  await app.register(rateLimit, { global: false, store })
  app.decorate('limit', (name: string, max: number, windowMs: number) => {
    // Several limits may apply to one request, so each is checked by hand rather than as the plugin's hook.
    const check = app.createRateLimit({ max, timeWindow: windowMs, keyGenerator: request => `${name}:${request.ip}` })
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const result = await check(request)
      if (!result.isAllowed && result.isExceeded) {
        reply.header('retry-after', result.ttlInSeconds)
        throw new HttpError(429, 'error.too_many')
      }
    }
  })

  // NUL and other control characters (all but tab and line breaks) never belong in typed text.
  app.addHook('preValidation', async request => stripBodyControls(request.body))

  // Forms post url-encoded bodies; JSON and other types are refused (415) rather than half-understood.
  app.removeContentTypeParser(['application/json', 'text/plain'])
}, { name: 'security' })
