import type { FastifyInstance, FastifyReply } from 'fastify'
import { uniqueViolation } from '../db/index.js'
import { HttpError } from '../plugins/errors.js'
import { hashPassword } from '../lib/passwords.js'
import { checkEmail, checkPassword, checkUsername, collectErrors, formSchema, type FieldErrors } from '../lib/validation.js'
import { confirmEmail, createUser, findUserByEmail, findUserById, isUsernameTaken, purgeUnconfirmedUsers } from '../models/users.js'
import { createToken, findTokenUser, useToken } from '../models/tokens.js'
import { accountMails } from '../mail/templates.js'
import { translatorFor } from '../lib/i18n.js'

const HOUR = 3_600_000
/** A confirmation link is valid this long; a sign-up not confirmed by then is removed. */
const CONFIRM_WITHIN_MS = 24 * HOUR

interface RegisterForm { username?: string, email?: string, password?: string }

/**
 * Signing up. With mail set up (SMTP_URL), an address is confirmed by a mailed link before its
 * account may post, and the answer is the same whether or not the address already has an
 * account: its owner gets a mail instead. Without mail the form says the address is taken,
 * a few times an hour per address at most.
 */
export default async function registrationRoutes (app: FastifyInstance): Promise<void> {
  const takenLimit = app.limit('register-email-taken', 3, HOUR)
  const page = (reply: FastifyReply, values: Record<string, string>, errors?: FieldErrors, status?: number): FastifyReply =>
    reply.page('accounts/register', { title: reply.request.i18n.t('account.register'), form: true, values, errors }, status)

  // A member who is logged in has an account: on to the forum.
  app.get('/register', async (request, reply) => request.viewer !== null ? reply.redirect('/', 303) : page(reply, {}))

  app.post<{ Body: RegisterForm }>('/register', {
    schema: { body: formSchema(['username', 'email', 'password']) },
    onRequest: app.limit('register', 10, HOUR)
  }, async (request, reply) => {
    // NFKC folds look-alike forms (fullwidth letters) into the plain ones the username rules allow.
    const username = (request.body.username ?? '').normalize('NFKC').trim()
    const email = (request.body.email ?? '').trim()
    const password = request.body.password ?? ''
    const values = { username, email }
    const mailSetUp = app.config.smtpUrl !== null

    const errors = collectErrors({
      username: checkUsername(username) ?? (await isUsernameTaken(app.db, username) ? 'form.username_taken' : null),
      email: checkEmail(email),
      password: checkPassword(password)
    })
    if (errors) return page(reply, values, errors, 400)
    await purgeUnconfirmedUsers(app.db, CONFIRM_WITHIN_MS)
    // Hashed either way, so the time taken does not tell whether the address has an account.
    const passwordHash = await hashPassword(password, app.config.passwordCost)
    const owner = await findUserByEmail(app.db, email)
    if (owner && !mailSetUp) {
      await takenLimit(request, reply)
      return page(reply, values, { email: 'form.email_taken' }, 400)
    }
    if (owner) {
      await app.db.transaction().execute(trx => app.mailer.enqueue(trx, accountMails(translatorFor(owner, app.config.locale), app.config.baseUrl).addressTaken(owner.email, owner.username)))
      app.mailer.wake()
      return checkMailPage(reply, email)
    }

    let user
    try {
      user = await app.db.transaction().execute(async trx => {
        const created = await createUser(trx, { username, email, passwordHash, unconfirmed: mailSetUp })
        if (mailSetUp) {
          const token = await createToken(trx, created.id, 'confirm_email', CONFIRM_WITHIN_MS)
          await app.mailer.enqueue(trx, accountMails(request.i18n, app.config.baseUrl).confirmAddress(email, username, token))
        }
        return created
      })
    } catch (error) {
      // Two sign-ups racing for one name or address: the unique index decides.
      const taken = uniqueViolation(error)
      if (taken !== null) {
        const address = taken.index.includes('email_key')
        if (address && mailSetUp) return checkMailPage(reply, email)
        return page(reply, values, address ? { email: 'form.email_taken' } : { username: 'form.username_taken' }, 400)
      }
      throw error
    }
    if (mailSetUp) {
      app.mailer.wake()
      return checkMailPage(reply, email)
    }
    await reply.logIn(user)
    return reply.done('/', 'flash.registered', { name: user.username })
  })

  function checkMailPage (reply: FastifyReply, email: string): FastifyReply {
    return reply.page('accounts/check-mail', { title: reply.request.i18n.t('account.check_mail'), email })
  }

  // The link in the mail opens a page with a button: a mail scanner that follows links confirms nothing.
  app.get<{ Params: { token: string } }>('/confirm/:token', {
    schema: { params: { type: 'object', properties: { token: { type: 'string', maxLength: 100 } }, required: ['token'] } }
  }, async (request, reply) => {
    const userId = await findTokenUser(app.db, request.params.token, 'confirm_email')
    const user = userId === undefined ? undefined : await findUserById(app.db, userId)
    if (!user) throw new HttpError(400, 'account.confirm_invalid')
    return reply.page('accounts/confirm', { title: request.i18n.t('account.confirm_title'), token: request.params.token, username: user.username, form: true })
  })

  app.post<{ Params: { token: string } }>('/confirm/:token', {
    schema: { params: { type: 'object', properties: { token: { type: 'string', maxLength: 100 } }, required: ['token'] }, body: formSchema([]) }
  }, async (request, reply) => {
    const userId = await app.db.transaction().execute(async trx => {
      const used = await useToken(trx, request.params.token, 'confirm_email')
      if (used !== undefined) await confirmEmail(trx, used.userId)
      return used?.userId
    })
    const user = userId === undefined ? undefined : await findUserById(app.db, userId)
    if (!user) throw new HttpError(400, 'account.confirm_invalid')
    await reply.logIn(user)
    return reply.done('/', 'flash.confirmed', { name: user.username })
  })
}
