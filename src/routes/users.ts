import type { FastifyInstance } from 'fastify'
import { ensure, HttpError, notFound } from '../plugins/errors.js'
import { can } from '../permissions.js'
import { describeSuspension } from '../plugins/views.js'
import { findUserByUsername, isMuted, listModeratedForumIds, ROLES, setMuted } from '../models/users.js'
import { formSchema } from '../lib/validation.js'
import { listRecentPostsByUser } from '../models/posts.js'
import { listForumsFlat, type ForumChoice } from '../models/forums.js'

export default async function userRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Params: { username: string } }>('/user/:username', {
    schema: { params: { type: 'object', properties: { username: { type: 'string' } }, required: ['username'] } }
  }, async (request, reply) => {
    const user = await findUserByUsername(app.db, request.params.username)
    if (!user) throw notFound()
    const viewer = request.viewer
    const roles = ROLES.filter(role => can(viewer, { do: 'member.role', member: user, role }).ok)
    let forums: Array<ForumChoice & { chosen: boolean }> | null = null
    if (user.role === 'moderator' && can(viewer, { do: 'site.administer' }).ok) {
      const limited = await listModeratedForumIds(app.db, user.id) ?? []
      forums = (await listForumsFlat(app.db)).map(f => ({ ...f, chosen: limited.includes(f.id) }))
    }
    const tools = {
      suspend: can(viewer, { do: 'member.suspend', member: user }).ok,
      roles: roles.length > 1 ? roles : null,
      forums
    }
    return reply.page('users/show', {
      title: user.username,
      member: { username: user.username, role: user.role, created_at: user.created_at, post_count: user.post_count },
      suspended: describeSuspension(user, request.i18n),
      posts: await listRecentPostsByUser(app.db, request.viewer?.id ?? null, user.id, 10),
      tools: tools.suspend || tools.roles || tools.forums ? tools : null,
      mute: viewer === null || viewer.id === user.id ? null : { muted: await isMuted(app.db, viewer.id, user.id) }
    })
  })

  app.post<{ Params: { username: string }, Body: { muted?: string } }>('/user/:username/mute', {
    schema: { params: { type: 'object', properties: { username: { type: 'string' } }, required: ['username'] }, body: formSchema(['muted']) }
  }, async (request, reply) => {
    const user = await findUserByUsername(app.db, request.params.username)
    if (!user) throw notFound()
    if (request.viewer === null) ensure({ ok: false, reason: 'refusal.login', needsLogin: true })
    if (request.viewer!.id === user.id) throw new HttpError(400, 'refusal.not_yourself')
    const muted = request.body.muted === '1'
    await setMuted(app.db, request.viewer!.id, user.id, muted)
    return reply.done(`/user/${encodeURIComponent(user.username)}`, muted ? 'flash.member_muted' : 'flash.member_unmuted', { name: user.username })
  })
}
