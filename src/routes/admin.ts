import type { FastifyInstance } from 'fastify'
import { ensure, notFound } from '../plugins/errors.js'
import { can } from '../permissions.js'
import { DEFAULT_SETTINGS, saveSetting, SETTING_CHOICES, type Settings } from '../models/settings.js'
import { canonicalTimeZone } from '../events/time.js'
import { vtimezoneFor } from '../events/vtimezone.js'
import { createForum, findForumBySlug, ForumError, listForumsFlat } from '../models/forums.js'
import { deleteForum, updateForum } from '../models/forum-admin.js'
import { formSchema, slugParams } from '../lib/validation.js'
import { FORUM_KINDS, type Forum, type ForumKind } from '../db/schema.js'
import type { Translator } from '../lib/i18n.js'
import { logAct } from '../models/moderation.js'
import { createGroup, GroupError, JOININGS, listGroups, type Joining } from '../models/groups.js'
import { listChoices, replaceChoices } from '../models/profiles.js'

const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS) as Array<keyof Settings>
/** Settings that must be at least 1; the others may be 0 (0 turns a limit or queue off). */
const AT_LEAST_ONE = new Set<keyof Settings>(['posts_per_page', 'topics_per_page', 'session_days'])

/** The beheerder's page: site settings, and making, changing and removing forums. */
export default async function adminRoutes (app: FastifyInstance): Promise<void> {
  /** One forum's edit form came back with an error: its slug, the typed values and the error. */
  interface ForumEdit { slug: string, values: Record<string, unknown>, error: string }

  async function adminPage (i18n: Translator, values: Record<string, unknown>, errors: Record<string, string> | undefined, forumValues: Record<string, unknown> = {}, edit?: ForumEdit, groupValues: Record<string, unknown> = {}) {
    const forums = await listForumsFlat(app.db, 'all')
    const rows = await app.db.selectFrom('forums').leftJoin('groups', 'groups.id', 'forums.group_id')
      .select(['forums.id', 'forums.description', 'forums.position', 'forums.private', 'forums.kind', 'groups.slug as group']).execute()
    const groups = await listGroups(app.db)
    return {
      title: i18n.t('admin.title'),
      settings: SETTING_KEYS.map(key => {
        const value = values[key] ?? app.settings[key]
        const choices = SETTING_CHOICES[key]?.map(choice => ({ value: choice, label: i18n.t(`setting.${key}.${choice}`), selected: choice === value }))
        return { key, value, error: errors?.[key], numeric: typeof DEFAULT_SETTINGS[key] === 'number', choices }
      }),
      forums,
      // Each forum with its edit form's values, and the forums it may be moved under or its topics into.
      managed: forums.map(forum => {
        const row = rows.find(r => r.id === forum.id)!
        const parent = forums.find(f => f.id === forum.parent_id)
        const typed = edit?.slug === forum.slug ? edit.values : {}
        return {
          ...forum,
          values: { name: forum.name, description: row.description, position: row.position, parent: parent?.slug ?? '', group: row.group ?? '', visibility: row.private === 1 ? 'private' : 'public', kind: row.kind, ...typed },
          error: edit?.slug === forum.slug ? edit.error : undefined,
          others: forums.filter(f => f.id !== forum.id)
        }
      }),
      forumValues,
      forumError: errors?.forum,
      groups,
      joinings: JOININGS,
      groupValues,
      groupError: errors?.group,
      lists: {
        region: (values.regions as string | undefined) ?? (await listChoices(app.db, 'region')).map(choice => choice.name).join('\n'),
        sector: (values.sectors as string | undefined) ?? (await listChoices(app.db, 'sector')).map(choice => choice.name).join('\n')
      },
      listsError: errors?.lists
    }
  }

  async function managedForum (slug: string): Promise<Forum> {
    const forum = await findForumBySlug(app.db, slug)
    if (!forum) throw notFound()
    return forum
  }

  app.get('/admin', async (request, reply) => {
    ensure(can(request.viewer, { do: 'site.administer' }))
    return reply.page('admin/show', await adminPage(request.i18n, {}, undefined))
  })

  app.post<{ Body: Record<string, string | undefined> }>('/admin/settings', {
    schema: { body: formSchema(SETTING_KEYS) }
  }, async (request, reply) => {
    ensure(can(request.viewer, { do: 'site.administer' }))
    const errors: Record<string, string> = {}
    const parsed: Record<string, number | string> = {}
    for (const key of SETTING_KEYS) {
      const text = (request.body[key] ?? String(app.settings[key])).trim()
      if (key === 'time_zone') {
        const zone = canonicalTimeZone(text)
        if (zone === null || vtimezoneFor(zone) === null) errors[key] = 'admin.unknown_time_zone'
        else parsed[key] = zone
        continue
      }
      const choices = SETTING_CHOICES[key]
      if (choices !== undefined) {
        if (choices.includes(text)) parsed[key] = text
        else errors[key] = 'settings.unknown_choice'
        continue
      }
      const value = Number(text)
      if (!/^\d{1,9}$/.test(text) || (AT_LEAST_ONE.has(key) && value < 1)) errors[key] = AT_LEAST_ONE.has(key) ? 'admin.at_least_one' : 'admin.whole_number'
      else parsed[key] = value
    }
    if (Object.keys(errors).length > 0) return reply.page('admin/show', await adminPage(request.i18n, request.body, errors), 400)
    await app.db.transaction().execute(async trx => {
      for (const key of SETTING_KEYS) {
        if (parsed[key] === app.settings[key]) continue
        await saveSetting(trx, key, parsed[key] as never)
        await logAct(trx, { moderatorId: request.viewer!.id, action: 'site.setting', from: `${key}=${app.settings[key]}`, to: `${key}=${parsed[key]}` })
      }
    })
    Object.assign(app.settings, parsed)
    return reply.done('/admin', 'flash.settings_saved')
  })

  app.post<{ Body: { name?: string, parent?: string, description?: string } }>('/admin/forums', {
    schema: { body: formSchema(['name', 'parent', 'description']) }
  }, async (request, reply) => {
    ensure(can(request.viewer, { do: 'site.administer' }))
    const { name = '', parent = '', description = '' } = request.body
    try {
      const forum = await createForum(app.db, { name, parentSlug: parent || undefined, description }, { moderatorId: request.viewer!.id, action: 'forum.create' })
      return reply.done(`/forum/${forum.slug}`, 'flash.forum_created', { name: forum.name })
    } catch (error) {
      if (!(error instanceof ForumError)) throw error
      return reply.page('admin/show', await adminPage(request.i18n, {}, { forum: 'admin.forum_invalid' }, request.body), 400)
    }
  })

  app.post<{ Params: { slug: string }, Body: { name?: string, description?: string, parent?: string, position?: string, group?: string, visibility?: string, kind?: string } }>('/admin/forums/:slug', {
    schema: { params: slugParams, body: formSchema(['name', 'description', 'parent', 'position', 'group', 'visibility', 'kind']) }
  }, async (request, reply) => {
    ensure(can(request.viewer, { do: 'site.administer' }))
    const forum = await managedForum(request.params.slug)
    const { name = forum.name, description = forum.description, parent = '', position = String(forum.position) } = request.body
    try {
      if (!/^\d{1,7}$/.test(position.trim())) throw new ForumError('admin.whole_number')
      const { group, visibility, kind } = request.body
      if (visibility !== undefined && visibility !== 'public' && visibility !== 'private') throw new ForumError('settings.unknown_choice')
      if (kind !== undefined && !(FORUM_KINDS as readonly string[]).includes(kind)) throw new ForumError('settings.unknown_choice')
      const saved = await updateForum(app.db, forum, { name, description, parentSlug: parent, position: Number(position), groupSlug: group, private: visibility === undefined ? undefined : visibility === 'private', kind: kind as ForumKind | undefined },
        { moderatorId: request.viewer!.id, action: 'forum.update' })
      return reply.done('/admin#forums', 'flash.forum_saved', { name: saved.name })
    } catch (error) {
      if (!(error instanceof ForumError)) throw error
      return reply.page('admin/show', await adminPage(request.i18n, {}, undefined, {}, { slug: forum.slug, values: request.body, error: error.message }), 400)
    }
  })

  // The regions and sectors members choose from, one per line; a name that stays keeps its members.
  app.post<{ Body: { regions?: string, sectors?: string } }>('/admin/lists', { schema: { body: formSchema(['regions', 'sectors']) } }, async (request, reply) => {
    ensure(can(request.viewer, { do: 'site.administer' }))
    const names = (text: string | undefined): string[] => [...new Set((text ?? '').split(/\r?\n/).map(line => line.trim()).filter(line => line !== ''))]
    const lists = { region: names(request.body.regions), sector: names(request.body.sectors) }
    if ([...lists.region, ...lists.sector].some(name => [...name].length > 100 || /[<>\p{Cc}]/u.test(name)) || lists.region.length > 200 || lists.sector.length > 200) {
      return reply.page('admin/show', await adminPage(request.i18n, request.body, { lists: 'admin.lists_invalid' }), 400)
    }
    await replaceChoices(app.db, 'region', lists.region)
    await replaceChoices(app.db, 'sector', lists.sector)
    return reply.done('/admin#lists', 'flash.settings_saved')
  })

  // The SPEC names the way of joining `kind`.
  app.post<{ Body: { name?: string, description?: string, kind?: string } }>('/admin/groups', {
    schema: { body: formSchema(['name', 'description', 'kind']) }
  }, async (request, reply) => {
    ensure(can(request.viewer, { do: 'site.administer' }))
    const { name = '', description = '', kind: joining = '' } = request.body
    try {
      if (!(JOININGS as readonly string[]).includes(joining)) throw new GroupError('settings.unknown_choice')
      if (description.trim().length > 300) throw new GroupError('admin.forum_description_length')
      const group = await createGroup(app.db, { name, description, joining: joining as Joining })
      return reply.done(`/groups/${group.slug}`, 'flash.group_created', { name: group.name })
    } catch (error) {
      if (!(error instanceof GroupError)) throw error
      return reply.page('admin/show', await adminPage(request.i18n, {}, { group: error.message }, {}, undefined, request.body), 400)
    }
  })

  app.post<{ Params: { slug: string }, Body: { move_to?: string } }>('/admin/forums/:slug/delete', {
    schema: { params: slugParams, body: formSchema(['move_to']) }
  }, async (request, reply) => {
    ensure(can(request.viewer, { do: 'site.administer' }))
    const forum = await managedForum(request.params.slug)
    const moveTo = request.body.move_to ? await findForumBySlug(app.db, request.body.move_to) : null
    try {
      if (moveTo === undefined) throw new ForumError('moderation.unknown_forum')
      await deleteForum(app.db, forum, moveTo, { moderatorId: request.viewer!.id, action: 'forum.delete' })
      return reply.done('/admin#forums', 'flash.forum_deleted', { name: forum.name })
    } catch (error) {
      if (!(error instanceof ForumError)) throw error
      return reply.page('admin/show', await adminPage(request.i18n, {}, undefined, {}, { slug: forum.slug, values: {}, error: error.message }), 400)
    }
  })
}
