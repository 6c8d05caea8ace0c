import type { FastifyInstance } from 'fastify'
import { ensure } from '../plugins/errors.js'
import { can } from '../permissions.js'
import { DEFAULT_SETTINGS, saveSetting, type Settings } from '../models/settings.js'
import { createForum, ForumError, listForumsFlat } from '../models/forums.js'
import { formSchema } from '../lib/validation.js'
import { logAct } from '../models/moderation.js'

const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS) as Array<keyof Settings>
/** Settings that must be at least 1; the others may be 0 (0 turns a limit or queue off). */
const AT_LEAST_ONE = new Set<keyof Settings>(['posts_per_page', 'topics_per_page', 'session_days'])

/** The beheerder's page: site settings and new forums. */
export default async function adminRoutes (app: FastifyInstance): Promise<void> {
  async function adminPage (values: Record<string, unknown>, errors: Record<string, string> | undefined, forumValues: Record<string, unknown> = {}) {
    return {
      title: app.i18n.t('admin.title'),
      settings: SETTING_KEYS.map(key => ({ key, value: values[key] ?? app.settings[key], error: errors?.[key] })),
      forums: await listForumsFlat(app.db),
      forumValues,
      forumError: errors?.forum
    }
  }

  app.get('/admin', async (request, reply) => {
    ensure(can(request.viewer, { do: 'site.administer' }))
    return reply.page('admin/show', await adminPage({}, undefined))
  })

  app.post<{ Body: Record<string, string | undefined> }>('/admin/settings', {
    schema: { body: formSchema(SETTING_KEYS) }
  }, async (request, reply) => {
    ensure(can(request.viewer, { do: 'site.administer' }))
    const errors: Record<string, string> = {}
    const parsed: Partial<Settings> = {}
    for (const key of SETTING_KEYS) {
      const text = (request.body[key] ?? String(app.settings[key])).trim()
      const value = Number(text)
      if (!/^\d{1,9}$/.test(text) || (AT_LEAST_ONE.has(key) && value < 1)) errors[key] = AT_LEAST_ONE.has(key) ? 'admin.at_least_one' : 'admin.whole_number'
      else parsed[key] = value
    }
    if (Object.keys(errors).length > 0) return reply.page('admin/show', await adminPage(request.body, errors), 400)
    await app.db.transaction().execute(async trx => {
      for (const key of SETTING_KEYS) {
        if (parsed[key] === app.settings[key]) continue
        await saveSetting(trx, key, parsed[key]!)
        await logAct(trx, { moderatorId: request.viewer!.id, action: 'site.setting', from: `${key}=${app.settings[key]}`, to: `${key}=${parsed[key]}` })
      }
    })
    Object.assign(app.settings, parsed)
    return reply.redirect('/admin', 303)
  })

  app.post<{ Body: { name?: string, parent?: string, description?: string } }>('/admin/forums', {
    schema: { body: formSchema(['name', 'parent', 'description']) }
  }, async (request, reply) => {
    ensure(can(request.viewer, { do: 'site.administer' }))
    const { name = '', parent = '', description = '' } = request.body
    try {
      const forum = await createForum(app.db, { name, parentSlug: parent || undefined, description }, { moderatorId: request.viewer!.id, action: 'forum.create' })
      return reply.redirect(`/forum/${forum.slug}`, 303)
    } catch (error) {
      if (!(error instanceof ForumError)) throw error
      return reply.page('admin/show', await adminPage({}, { forum: 'admin.forum_invalid' }, request.body), 400)
    }
  })
}
