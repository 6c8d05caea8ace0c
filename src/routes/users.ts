import type { FastifyInstance } from 'fastify'
import { notFound } from '../plugins/errors.js'
import { findUserByUsername } from '../models/users.js'
import { listRecentPostsByUser } from '../models/posts.js'

export default async function userRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Params: { username: string } }>('/user/:username', {
    schema: { params: { type: 'object', properties: { username: { type: 'string' } }, required: ['username'] } }
  }, async (request, reply) => {
    const user = await findUserByUsername(app.db, request.params.username)
    if (!user) throw notFound()
    return reply.page('users/show', {
      title: user.username,
      member: { username: user.username, role: user.role, created_at: user.created_at, post_count: user.post_count },
      posts: await listRecentPostsByUser(app.db, user.id, 10)
    })
  })
}
