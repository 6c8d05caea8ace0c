import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { HttpError, loggedInMember } from '../plugins/errors.js'
import { hashPassword, verifyPassword } from '../lib/passwords.js'
import { translatorFor } from '../lib/i18n.js'
import { checkEmail, checkPassword, collectErrors, formSchema, type FieldErrors } from '../lib/validation.js'
import { LOCALES, type Locale } from '../config.js'
import { EMAIL_MODES, type EmailMode } from '../db/schema.js'
import { findUserByEmail, setEmail, setMailPreferences, setLocale, setPasswordHash } from '../models/users.js'
import { deleteSessionsOf, listSessionsOf } from '../models/sessions.js'
import { createToken, findTokenUser, revokeTokens, useToken } from '../models/tokens.js'
import { accountMails } from '../mail/templates.js'

const HOUR = 3_600_000
const tokenParams = { type: 'object', properties: { token: { type: 'string', maxLength: 100 } }, required: ['token'] } as const

/** `/account`: a member's own settings, each its own form: address, password, language, mail, sessions. */
export default async function accountSettingsRoutes (app: FastifyInstance): Promise<void> {
  const mailSetUp = (): boolean => app.config.smtpUrl !== null

  async function accountPage (request: FastifyRequest, reply: FastifyReply, form?: { section: string, values: Record<string, string>, errors: FieldErrors }): Promise<FastifyReply> {
    const viewer = loggedInMember(request)
    return reply.page('accounts/settings', {
      title: request.i18n.t('settings.title'),
      account: { email: viewer.email, locale: viewer.locale ?? '', email_mode: viewer.email_mode, auto_watch: viewer.auto_watch === 1 },
      locales: LOCALES.map(locale => ({ value: locale, label: request.i18n.t(`settings.locale_${locale}`) })),
      modes: EMAIL_MODES.map(mode => ({ value: mode, label: request.i18n.t(`settings.mode_${mode}`) })),
      sessions: await listSessionsOf(app.db, viewer.id, request.sessionId),
      form
    }, form ? 400 : 200)
  }

  app.get('/account', async (request, reply) => accountPage(request, reply))

  /** The current password, asked before the address or password changes. */
  async function checkCurrent (request: FastifyRequest, password: string): Promise<string | null> {
    return await verifyPassword(password, loggedInMember(request).password_hash) ? null : 'settings.wrong_password'
  }

  app.post<{ Body: { current?: string, email?: string } }>('/account/email', {
    schema: { body: formSchema(['current', 'email']) },
    onRequest: app.limit('account-email', 10, HOUR)
  }, async (request, reply) => {
    const viewer = loggedInMember(request)
    const email = (request.body.email ?? '').trim()
    const errors = collectErrors({
      current: await checkCurrent(request, request.body.current ?? ''),
      email: checkEmail(email) ?? (await findUserByEmail(app.db, email) ? 'form.email_taken' : null)
    })
    if (errors) return accountPage(request, reply, { section: 'email', values: { email }, errors })
    const mails = accountMails(translatorFor(viewer, app.config.locale), app.config.baseUrl)
    await app.db.transaction().execute(async trx => {
      // The old address is told either way; the new one must prove it is the member's when mail is set up.
      await app.mailer.enqueue(trx, mails.addressChanging(viewer.email, viewer.username, email))
      if (!mailSetUp()) return setEmail(trx, viewer.id, email)
      await revokeTokens(trx, viewer.id, 'change_email')
      const token = await createToken(trx, viewer.id, 'change_email', 24 * HOUR, { email })
      await app.mailer.enqueue(trx, mails.confirmNewAddress(email, viewer.username, token))
    })
    app.mailer.wake()
    return reply.done('/account', mailSetUp() ? 'flash.email_confirm_sent' : 'flash.email_changed', { email })
  })

  app.get<{ Params: { token: string } }>('/account/email/:token', { schema: { params: tokenParams } }, async (request, reply) => {
    if (await findTokenUser(app.db, request.params.token, 'change_email') === undefined) throw new HttpError(400, 'account.confirm_invalid')
    return reply.page('accounts/confirm-email', { title: request.i18n.t('account.confirm_title'), token: request.params.token, form: true })
  })

  app.post<{ Params: { token: string } }>('/account/email/:token', {
    schema: { params: tokenParams, body: formSchema([]) }
  }, async (request, reply) => {
    const changed = await app.db.transaction().execute(async trx => {
      const used = await useToken(trx, request.params.token, 'change_email')
      if (!used?.email) return null
      // Someone may have taken the address since the mail went out.
      if (await findUserByEmail(trx, used.email)) return null
      await setEmail(trx, used.userId, used.email)
      return used
    })
    if (changed === null) throw new HttpError(400, 'account.confirm_invalid')
    return reply.done(request.viewer ? '/account' : '/login', 'flash.email_changed', { email: changed.email! })
  })

  app.post<{ Body: { current?: string, password?: string } }>('/account/password', {
    schema: { body: formSchema(['current', 'password']) },
    onRequest: app.limit('account-password', 10, HOUR)
  }, async (request, reply) => {
    const viewer = loggedInMember(request)
    const password = request.body.password ?? ''
    const errors = collectErrors({ current: await checkCurrent(request, request.body.current ?? ''), password: checkPassword(password) })
    if (errors) return accountPage(request, reply, { section: 'password', values: {}, errors })
    const passwordHash = await hashPassword(password, app.config.passwordCost)
    await app.db.transaction().execute(async trx => {
      await setPasswordHash(trx, viewer.id, passwordHash)
      // Anyone who had the old password is logged out everywhere else, and old reset links stop working.
      await deleteSessionsOf(trx, viewer.id, request.sessionId ?? undefined)
      await revokeTokens(trx, viewer.id, 'reset_password')
    })
    return reply.done('/account', 'flash.password_changed')
  })

  app.post<{ Body: { locale?: string } }>('/account/language', { schema: { body: formSchema(['locale']) } }, async (request, reply) => {
    const viewer = loggedInMember(request)
    const locale = request.body.locale ?? ''
    if (locale !== '' && !(LOCALES as readonly string[]).includes(locale)) throw new HttpError(400, 'settings.unknown_choice')
    await setLocale(app.db, viewer.id, locale === '' ? null : locale as Locale)
    // The message shows on the next page, already in the language just chosen.
    return reply.done('/account', 'flash.language_saved')
  })

  app.post<{ Body: { email_mode?: string, auto_watch?: string } }>('/account/mail', {
    schema: { body: formSchema(['email_mode', 'auto_watch']) }
  }, async (request, reply) => {
    const viewer = loggedInMember(request)
    const mode = request.body.email_mode ?? ''
    if (!(EMAIL_MODES as readonly string[]).includes(mode)) throw new HttpError(400, 'settings.unknown_choice')
    await setMailPreferences(app.db, viewer.id, { emailMode: mode as EmailMode, autoWatch: request.body.auto_watch === '1' })
    return reply.done('/account', 'flash.mail_saved')
  })

  app.post('/account/sessions/end', { schema: { body: formSchema([]) } }, async (request, reply) => {
    const viewer = loggedInMember(request)
    await deleteSessionsOf(app.db, viewer.id)
    await reply.logOut()
    return reply.done('/', 'flash.logged_out_everywhere')
  })
}
