import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ensure, notFound } from '../plugins/errors.js'
import { can, isSuspended, loginFirst } from '../permissions.js'
import { formSchema, slugParams } from '../lib/validation.js'
import type { Group } from '../db/schema.js'
import { addMember, setManager, findGroupBySlug, join, listGroupForums, listGroupMembers, listGroups, removeMember, standingIn, type Standing } from '../models/groups.js'
import { findUserByUsername } from '../models/users.js'
import { readsForum } from '../models/readable.js'

const MEMBER_ACTIONS = ['approve', 'refuse', 'add', 'remove', 'manager', 'unmanager'] as const
type MemberAction = typeof MEMBER_ACTIONS[number]

/**
 * Groups for a region, a sector or a theme: `/groups`, a group's page, joining and leaving,
 * and the managers' work (approving requests, adding and removing members). A beheerder
 * makes groups and attaches forums to them at /admin.
 */
export default async function groupRoutes (app: FastifyInstance): Promise<void> {
  async function theGroup (slug: string): Promise<Group> {
    const group = await findGroupBySlug(app.db, slug)
    if (!group) throw notFound()
    return group
  }

  async function groupPage (request: FastifyRequest, group: Group, form: { username?: string, error?: string } = {}) {
    const viewer = request.viewer
    const standing = await standingIn(app.db, group.id, viewer?.id ?? null)
    const manages = viewer !== null && can(viewer, { do: 'group.manage', isManager: standing === 'manager' }).ok
    // Who is in a group is for members of the site; a guest sees what the group is about.
    const members = viewer !== null ? await listGroupMembers(app.db, group.id) : []
    const forums = []
    for (const forum of await listGroupForums(app.db, group.id)) if (await readsForum(app.db, viewer, forum)) forums.push(forum)
    return {
      title: group.name,
      group,
      standing,
      canJoin: viewer !== null && standing === 'none' && group.joining !== 'closed',
      members: members.filter(member => member.joined_at !== null),
      requests: manages ? members.filter(member => member.joined_at === null) : [],
      manages,
      showMembers: viewer !== null,
      forums,
      form
    }
  }

  app.get('/groups', async (request, reply) => {
    const groups = await listGroups(app.db)
    const viewerId = request.viewer?.id ?? null
    const standings = await Promise.all(groups.map(group => standingIn(app.db, group.id, viewerId)))
    return reply.page('groups/index', {
      title: reply.request.i18n.t('group.title'),
      groups: groups.map((group, i) => ({ ...group, standing: standings[i] }))
    })
  })

  app.get<{ Params: { slug: string } }>('/groups/:slug', { schema: { params: slugParams } }, async (request, reply) => {
    return reply.page('groups/show', await groupPage(request, await theGroup(request.params.slug)))
  })

  app.post<{ Params: { slug: string } }>('/groups/:slug/join', { schema: { params: slugParams, body: formSchema([]) } }, async (request, reply) => {
    const group = await theGroup(request.params.slug)
    ensure(can(request.viewer, { do: 'group.join', joining: group.joining }))
    const standing = await join(app.db, group, request.viewer!.id)
    return reply.done(`/groups/${group.slug}`, standing === 'asked' ? 'flash.group_asked' : 'flash.group_joined', { name: group.name })
  })

  app.post<{ Params: { slug: string } }>('/groups/:slug/leave', { schema: { params: slugParams, body: formSchema([]) } }, async (request, reply) => {
    const group = await theGroup(request.params.slug)
    // Leaving is always allowed, suspended or not: it only takes rights away.
    if (request.viewer === null) ensure(loginFirst)
    await removeMember(app.db, group.id, request.viewer!.id)
    return reply.done(`/groups/${group.slug}`, 'flash.group_left', { name: group.name })
  })

  app.post<{ Params: { slug: string }, Body: { action?: string, username?: string } }>('/groups/:slug/members', {
    schema: { params: slugParams, body: formSchema(['action', 'username']) }
  }, async (request, reply) => {
    const group = await theGroup(request.params.slug)
    const viewer = request.viewer
    const standing: Standing = await standingIn(app.db, group.id, viewer?.id ?? null)
    ensure(can(viewer, { do: 'group.manage', isManager: standing === 'manager' }))
    const action = request.body.action as MemberAction
    const username = (request.body.username ?? '').trim()
    const refuse = async (error: string) => reply.page('groups/show', await groupPage(request, group, { username, error }), 400)
    if (!MEMBER_ACTIONS.includes(action)) return refuse('settings.unknown_choice')
    const member = username === '' ? undefined : await findUserByUsername(app.db, username)
    if (!member) return refuse('group.unknown_member')
    const current = await standingIn(app.db, group.id, member.id)
    if (action === 'approve' && current !== 'asked') return refuse('group.no_request')
    if ((action === 'remove' || action === 'refuse' || action === 'unmanager') && current === 'none') return refuse('group.not_a_member')
    if ((action === 'add' || action === 'manager') && isSuspended(member)) return refuse('refusal.suspended')
    if (action === 'approve' || action === 'add') await addMember(app.db, group.id, member.id)
    else if (action === 'remove' || action === 'refuse') await removeMember(app.db, group.id, member.id)
    else await setManager(app.db, group.id, member.id, action === 'manager')
    return reply.done(`/groups/${group.slug}`, `flash.group_${action}`, { name: member.username })
  })
}
