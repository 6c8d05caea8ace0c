import type { FastifyInstance, FastifyReply } from 'fastify'
import { HttpError } from '../plugins/errors.js'
import { hashPassword } from '../lib/passwords.js'
import { checkPassword, formSchema } from '../lib/validation.js'
import { confirmEmail, findUserById, findUserByLogin, setPasswordHash } from '../models/users.js'
import { findTokenUser, useToken } from '../models/tokens.js'
import { deleteSessionsOf } from '../models/sessions.js'
import { enqueuePasswordLink } from '../mail/password-link.js'

const HOUR = 3_600_000
const tokenParams = { type: 'object', properties: { token: { type: 'string', maxLength: 100 } }, required: ['token'] } as const

/**
 * A forgotten password: the answer is the same whether or not an account exists; the mail
 * holds a link from BASE_URL, valid one hour, usable once; setting a new password ends
 * every other session and logs in.
 */
export default async function passwordRoutes (app: FastifyInstance): Promise<void> {
  const forgotPage = (reply: FastifyReply, values: Record<string, string>, status = 200): FastifyReply =>
    reply.page('accounts/forgot', { title: reply.request.i18n.t('password.forgot_title'), form: true, values }, status)

  app.get('/password/forgot', async (_request, reply) => forgotPage(reply, {}))

  app.post<{ Body: { login?: string } }>('/password/forgot', {
    schema: { body: formSchema(['login']) },
    onRequest: [app.limit('password-forgot-minute', 3, 60_000), app.limit('password-forgot-hour', 10, HOUR)]
  }, async (request, reply) => {
    const login = (request.body.login ?? '').trim()
    if (login === '') return forgotPage(reply, { login }, 400)
    const member = await findUserByLogin(app.db, login)
    if (member) {
      await app.db.transaction().execute(async trx => {
        await enqueuePasswordLink(trx, app.mailer.enqueue, member, { siteLocale: app.config.locale, baseUrl: app.config.baseUrl, lifetimeMs: HOUR })
      })
      app.mailer.wake()
    }
    return reply.page('accounts/forgot-sent', { title: request.i18n.t('password.forgot_title') })
  })

  app.get<{ Params: { token: string } }>('/password/reset/:token', { schema: { params: tokenParams } }, async (request, reply) => {
    const userId = await findTokenUser(app.db, request.params.token, 'reset_password')
    if (userId === undefined) throw new HttpError(400, 'account.confirm_invalid')
    return reply.page('accounts/reset', { title: request.i18n.t('password.reset_title'), token: request.params.token, form: true })
  })

  app.post<{ Params: { token: string }, Body: { password?: string } }>('/password/reset/:token', {
    schema: { params: tokenParams, body: formSchema(['password']) },
    onRequest: app.limit('password-reset', 20, HOUR)
  }, async (request, reply) => {
    const password = request.body.password ?? ''
    const error = checkPassword(password)
    if (error) {
      if (await findTokenUser(app.db, request.params.token, 'reset_password') === undefined) throw new HttpError(400, 'account.confirm_invalid')
      return reply.page('accounts/reset', { title: request.i18n.t('password.reset_title'), token: request.params.token, form: true, errors: { password: error } }, 400)
    }
    const passwordHash = await hashPassword(password, app.config.passwordCost)
    const userId = await app.db.transaction().execute(async trx => {
      const used = await useToken(trx, request.params.token, 'reset_password')
      if (used === undefined) return undefined
      await setPasswordHash(trx, used.userId, passwordHash)
      // The link came by mail, so the address works.
      await confirmEmail(trx, used.userId)
      await deleteSessionsOf(trx, used.userId)
      return used.userId
    })
    const member = userId === undefined ? undefined : await findUserById(app.db, userId)
    if (!member) throw new HttpError(400, 'account.confirm_invalid')
    await reply.logIn(member)
    return reply.done('/', 'flash.password_reset')
  })
}
