import type { FastifyInstance } from 'fastify'
import type { Role, User } from '../src/db/schema.js'
import { hashPassword } from '../src/lib/passwords.js'
import { createUser } from '../src/models/users.js'
import { createForum } from '../src/models/forums.js'
import { createTopic } from '../src/models/topics.js'
import { createReply, renderPostBody } from '../src/models/posts.js'
import { csrfToken, loggedIn } from './helper.js'

export const PASSWORD = 'correct horse battery staple'
let hashed: Promise<string> | undefined

export async function makeMember (app: FastifyInstance, username: string, role: Role = 'lid', extra: { now?: number } = {}): Promise<User> {
  hashed ??= hashPassword(PASSWORD, 10)
  return createUser(app.db, { username, email: `${username}@example.org`, passwordHash: await hashed, role, now: extra.now })
}

export async function makeForum (app: FastifyInstance, name = 'Algemeen', parentSlug?: string) {
  return createForum(app.db, { name, parentSlug, description: `Over ${name}` })
}

/** A topic with `replies` replies after its first post; returns the topic and the ids of all its posts in order. */
export async function makeTopic (app: FastifyInstance, input: { forumId: number, author: User, title?: string, replies?: number, replier?: User, now?: number }) {
  const now = input.now ?? Date.now() - 3600_000
  const body = 'Eerste bericht'
  const { topic, post } = await createTopic(app.db, {
    forumId: input.forumId, authorId: input.author.id, title: input.title ?? 'Een vraag over verlof',
    bodyMd: body, bodyHtml: await renderPostBody(app.db, body, input.author), now
  })
  const ids = [post.id]
  for (let i = 1; i <= (input.replies ?? 0); i++) {
    const text = `Reactie ${i}`
    const author = input.replier ?? input.author
    const reply = await createReply(app.db, { topicId: topic.id, authorId: author.id, bodyMd: text, bodyHtml: await renderPostBody(app.db, text, author), now: now + i })
    ids.push(reply.id)
  }
  return { topic, ids }
}

/** jan, logged in, on the page of a topic of his, with its form's CSRF token: where a reply is sent from. */
export async function memberOnOwnTopic (app: FastifyInstance) {
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const { topic } = await makeTopic(app, { forumId: forum.id, author: jan })
  const visitor = await loggedIn(app, 'jan', PASSWORD)
  const token = csrfToken((await visitor.get(`/topic/${topic.slug}`)).body)!
  return { topic, visitor, token }
}
