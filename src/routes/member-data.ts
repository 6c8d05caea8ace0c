import { createReadStream, existsSync } from 'node:fs'
import path from 'node:path'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { loggedInMember, notFound } from '../plugins/errors.js'
import { verifyPassword } from '../lib/passwords.js'
import { contentDisposition } from '../lib/documents.js'
import { translatorFor } from '../lib/i18n.js'
import { formSchema } from '../lib/validation.js'
import { accountMails } from '../mail/templates.js'
import { deleteSessionsOf } from '../models/sessions.js'
import { ERASURE_GRACE_MS, exportsDirectory } from '../member-data/index.js'
import { askForExport, findOfferedExport, listExportsOf } from '../models/data-exports.js'

const HOUR = 3_600_000
const idParams = { type: 'object', properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,12}$' } }, required: ['id'] } as const

/**
 * A member's own data: `/account/export` (ask for a ZIP of it, made in the background and
 * offered to them alone for 7 days) and `/account/delete` (erasure after a grace period that
 * a login cancels; see member-data/).
 */
export default async function memberDataRoutes (app: FastifyInstance): Promise<void> {
  app.get('/account/export', async (request, reply) => {
    const viewer = loggedInMember(request)
    const exports = await listExportsOf(app.db, viewer.id)
    return reply.page('accounts/export', { title: request.i18n.t('export.title'), exports, waiting: exports.some(row => row.ready_at === null) })
  })

  app.post('/account/export', {
    schema: { body: formSchema([]) },
    onRequest: app.limit('account-export', 5, HOUR)
  }, async (request, reply) => {
    const viewer = loggedInMember(request)
    await askForExport(app.db, viewer.id)
    app.memberData.wake()
    return reply.done('/account/export', 'flash.export_requested')
  })

  // Only the member who asked, while it is offered; to anyone else it does not exist.
  app.get<{ Params: { id: string } }>('/account/export/:id', { schema: { params: idParams } }, async (request, reply) => {
    const viewer = loggedInMember(request)
    const row = await findOfferedExport(app.db, viewer.id, Number(request.params.id))
    const file = row?.stored_name == null ? null : path.join(exportsDirectory(app.config), row.stored_name)
    if (file === null || !existsSync(file)) throw notFound()
    const name = `kring-${viewer.username}-${new Date(row!.ready_at!).toISOString().slice(0, 10)}.zip`
    return reply.type('application/zip').header('content-disposition', contentDisposition('attachment', name))
      .header('cache-control', 'private, no-store').send(createReadStream(file))
  })

  async function deletePage (request: FastifyRequest, reply: FastifyReply, error?: string): Promise<FastifyReply> {
    loggedInMember(request)
    return reply.page('accounts/delete', {
      title: request.i18n.t('erasure.title'),
      policy: request.i18n.t(`erasure.policy_${app.settings.erased_posts}`),
      graceDays: ERASURE_GRACE_MS / (24 * HOUR),
      errors: error === undefined ? undefined : { password: error }
    }, error === undefined ? 200 : 400)
  }

  app.get('/account/delete', async (request, reply) => deletePage(request, reply))

  app.post<{ Body: { password?: string } }>('/account/delete', {
    schema: { body: formSchema(['password']) },
    onRequest: app.limit('account-delete', 10, HOUR)
  }, async (request, reply) => {
    const viewer = loggedInMember(request)
    if (!await verifyPassword(request.body.password ?? '', viewer.password_hash)) return deletePage(request, reply, 'settings.wrong_password')
    const at = Date.now() + ERASURE_GRACE_MS
    await app.db.transaction().execute(async trx => {
      await trx.updateTable('users').set({ erase_after: at, erase_posts: app.settings.erased_posts }).where('id', '=', viewer.id).execute()
      await app.mailer.enqueue(trx, accountMails(translatorFor(viewer, app.config.locale), app.config.baseUrl).erasureAsked(viewer.email, viewer.username, at))
      // Logged out everywhere: only a new login, by someone who knows the password, cancels it.
      await deleteSessionsOf(trx, viewer.id)
    })
    app.mailer.wake()
    await reply.logOut()
    return reply.done('/', 'flash.erasure_asked', { date: request.i18n.date(at) })
  })

}
