import type { FastifyInstance, FastifyRequest } from 'fastify'
import { HttpError, localPath } from '../plugins/errors.js'
import { loginWaitSeconds, recordLoginFailure } from '../models/sessions.js'
import { hashPassword, verifyPassword } from '../lib/passwords.js'
import { formSchema } from '../lib/validation.js'
import { findUserByLogin } from '../models/users.js'

const MINUTE = 60_000
const HOUR = 3_600_000
/** Remembers, in a signed cookie, the accounts that logged in on this browser: a known device. */
const KNOWN_DEVICE_COOKIE = 'kring_known'
const KNOWN_ACCOUNTS_KEPT = 5

interface LoginForm { login?: string, password?: string, next?: string }

function knownAccounts (request: FastifyRequest): number[] {
  const raw = request.cookies[KNOWN_DEVICE_COOKIE]
  const unsigned = raw === undefined ? undefined : request.unsignCookie(raw)
  if (!unsigned?.valid || !unsigned.value) return []
  return unsigned.value.split('.').map(Number).filter(id => Number.isSafeInteger(id) && id > 0)
}

export default async function accountRoutes (app: FastifyInstance): Promise<void> {
  // Unknown logins still cost one hash, so timing does not tell which accounts exist.
  const decoyHash = hashPassword('decoy password, never matches', app.config.passwordCost)

  app.get<{ Querystring: { next?: string } }>('/login', {
    schema: { querystring: { type: 'object', properties: { next: { type: 'string' } } } }
  }, async (request, reply) => {
    const next = localPath(request.query.next) ?? ''
    // Logged in already: on to where they were going.
    if (request.viewer !== null) return reply.redirect(next || '/', 303)
    return reply.page('accounts/login', { title: request.i18n.t('account.login'), form: true, values: { next } })
  })

  app.post<{ Body: LoginForm }>('/login', {
    schema: { body: formSchema(['login', 'password', 'next']) },
    onRequest: [app.limit('login-minute', 6, MINUTE), app.limit('login-hour', 30, HOUR)]
  }, async (request, reply) => {
    const login = (request.body.login ?? '').trim()
    const password = request.body.password ?? ''
    const next = localPath(request.body.next) ?? '/'
    const user = login === '' ? undefined : await findUserByLogin(app.db, login)
    // Guessing spread over many addresses still slows down per account; a browser this account
    // logged in on before is not slowed, so a stranger's guessing cannot lock the owner out.
    const known = knownAccounts(request)
    const wait = user && !known.includes(user.id) ? await loginWaitSeconds(app.db, user.id) : 0
    if (wait > 0) {
      reply.header('retry-after', wait)
      throw new HttpError(429, 'error.too_many')
    }
    const matches = await verifyPassword(password, user?.password_hash ?? await decoyHash)
    if (user && !matches) await recordLoginFailure(app.db, user.id)
    if (!user || !matches) {
      return reply.page('accounts/login', {
        title: request.i18n.t('account.login'), form: true, values: { login, next }, errors: { login: 'form.login_failed' }
      }, 400)
    }
    // Logging in within the grace period calls the erasure off (see plugins/session.ts): say so.
    const erasureCancelled = user.erase_after !== null
    await reply.logIn(user)
    const remembered = [user.id, ...known.filter(id => id !== user.id)].slice(0, KNOWN_ACCOUNTS_KEPT)
    reply.setCookie(KNOWN_DEVICE_COOKIE, remembered.join('.'), {
      path: '/', httpOnly: true, sameSite: 'lax', secure: app.config.baseUrl.startsWith('https:'), signed: true, maxAge: 365 * 24 * 3600
    })
    return erasureCancelled ? reply.done('/account', 'flash.erasure_cancelled') : reply.done(next, 'flash.logged_in', { name: user.username })
  })

  app.post('/logout', { schema: { body: formSchema([]) } }, async (_request, reply) => {
    await reply.logOut()
    return reply.done('/', 'flash.logged_out')
  })
}
