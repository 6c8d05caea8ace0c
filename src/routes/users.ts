import type { FastifyInstance } from 'fastify'
import { notFound } from '../plugins/errors.js'
import { can } from '../permissions.js'
import { describeSuspension } from '../plugins/views.js'
import { findUserByUsername, listModeratedForumIds, ROLES } from '../models/users.js'
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
      posts: await listRecentPostsByUser(app.db, user.id, 10),
      tools: tools.suspend || tools.roles || tools.forums ? tools : null
    })
  })
}
