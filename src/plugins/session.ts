import fp from 'fastify-plugin'
import cookie from '@fastify/cookie'
import csrf from '@fastify/csrf-protection'
import type { User } from '../db/schema.js'
import { hasRole, type Member } from '../permissions.js'
import { listModeratedForumIds } from '../models/users.js'
import { createSession, deleteSession, findSessionUser, hashSessionId, purgeExpiredSessions } from '../models/sessions.js'
import { loadOrCreateSecret } from '../models/settings.js'

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Member | null
    sessionId: string | null
    /** What CSRF tokens are bound to: the session, or 'guest' (the check refuses an empty value). */
    csrfUserInfo: () => string
  }
  interface FastifyContextConfig {
    /** The route carries its own proof instead of a CSRF token (the unsubscribe link's signed token). */
    skipCsrf?: boolean
  }
  interface FastifyReply {
    logIn: (user: User) => Promise<void>
    logOut: () => Promise<void>
  }
}

const SESSION_COOKIE = 'kring_session'

/** Server-side sessions in SQLite, the viewer on every request, and a CSRF check before every POST handler. */
export default fp(async app => {
  const secret = await loadOrCreateSecret(app.db)
  const secure = app.config.baseUrl.startsWith('https:')
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure }

  await app.register(cookie, { secret })
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'kring_csrf',
    cookieOpts: { ...cookieOptions, signed: true },
    getUserInfo: request => request.csrfUserInfo(),
    csrfOpts: { hmacKey: secret }
  })

  app.decorateRequest('viewer', null)
  app.decorateRequest('sessionId', null)
  app.decorateRequest('csrfUserInfo', function () {
    return this.sessionId === null ? 'guest' : hashSessionId(this.sessionId)
  })

  app.addHook('onRequest', async request => {
    const id = request.cookies[SESSION_COOKIE]
    if (!id) return
    const user = await findSessionUser(app.db, id)
    if (user) {
      request.viewer = hasRole(user, 'moderator') ? { ...user, moderatedForumIds: await listModeratedForumIds(app.db, user.id) } : user
      request.sessionId = id
    }
  })

  // Tokens are read from the parsed body, so the check runs after parsing and before any handler.
  app.addHook('preHandler', (request, reply, done) => {
    // A route marked skipCsrf carries its own proof (the unsubscribe link's signed token).
    if (request.method !== 'POST' || request.routeOptions.config.skipCsrf === true) return done()
    app.csrfProtection(request, reply, done)
  })

  app.decorateReply('logIn', async function (user: User) {
    // Always a new id at login: an id planted before login is worth nothing.
    if (this.request.sessionId) await deleteSession(app.db, this.request.sessionId)
    await purgeExpiredSessions(app.db)
    const lifetime = app.settings.session_days * 24 * 3600 * 1000
    const id = await createSession(app.db, user.id, lifetime)
    // Every way in (the login form, a password reset, a confirmation link) calls off an erasure
    // still in its grace period: only someone who can log in as the member asked for it.
    if (user.erase_after !== null) await app.db.updateTable('users').set({ erase_after: null, erase_posts: null }).where('id', '=', user.id).execute()
    this.request.viewer = user
    this.request.sessionId = id
    this.setCookie(SESSION_COOKIE, id, { ...cookieOptions, maxAge: lifetime / 1000 })
  })

  app.decorateReply('logOut', async function () {
    if (this.request.sessionId) await deleteSession(app.db, this.request.sessionId)
    this.request.viewer = null
    this.request.sessionId = null
    this.clearCookie(SESSION_COOKIE, cookieOptions)
  })

  await purgeExpiredSessions(app.db)
  const purge = setInterval(() => { purgeExpiredSessions(app.db).catch(error => app.log.error(error)) }, 3600_000)
  purge.unref()
  app.addHook('onClose', async () => clearInterval(purge))
}, { name: 'session', dependencies: ['database'] })
