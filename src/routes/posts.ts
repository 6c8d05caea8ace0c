import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ensure, notFound } from '../plugins/errors.js'
import { can } from '../permissions.js'
import { editPost, findPostById, renderPostBody, type PostInTopic } from '../models/posts.js'
import { findUserById } from '../models/users.js'
import { checkBody, checkTitle, collectErrors, formSchema, idParams, parseId } from '../lib/validation.js'
import { postUrl } from './topics.js'

interface IdParams { id: string }
interface EditForm { title?: string, body?: string }

export default async function postRoutes (app: FastifyInstance): Promise<void> {
  async function visiblePost (request: FastifyRequest<{ Params: IdParams }>): Promise<PostInTopic> {
    const id = parseId(request.params.id)
    const post = id === null ? undefined : await findPostById(app.db, id)
    if (!post || post.hidden) throw notFound()
    return post
  }

  app.get<{ Params: IdParams }>('/post/:id', { schema: { params: idParams } }, async (request, reply) => {
    const post = await visiblePost(request)
    return reply.redirect(postUrl(post.topic_slug, post.position, post.id, app.settings.posts_per_page), 302)
  })

  async function editablePost (request: FastifyRequest<{ Params: IdParams }>): Promise<PostInTopic> {
    const post = await visiblePost(request)
    ensure(can(request.viewer, { do: 'post.edit', post, settings: app.settings }))
    return post
  }

  app.get<{ Params: IdParams }>('/post/:id/edit', { schema: { params: idParams } }, async (request, reply) => {
    const post = await editablePost(request)
    return reply.page('posts/edit', {
      title: app.i18n.t('post.edit'),
      post,
      isFirstPost: post.position === 1,
      values: { title: post.topic_title, body: post.body_md }
    })
  })

  app.post<{ Params: IdParams, Body: EditForm }>('/post/:id/edit', {
    schema: { params: idParams, body: formSchema(['title', 'body']) }
  }, async (request, reply) => {
    const post = await editablePost(request)
    const isFirstPost = post.position === 1
    const body = request.body.body ?? ''
    const title = isFirstPost && request.body.title !== undefined ? request.body.title.trim() : undefined
    const errors = collectErrors({ body: checkBody(body), title: title === undefined ? null : checkTitle(title) })
    if (errors) {
      return reply.page('posts/edit', { title: app.i18n.t('post.edit'), post, isFirstPost, values: request.body, errors }, 400)
    }
    // Links follow the author's standing, not the editor's.
    const author = await findUserById(app.db, post.author_id)
    const bodyHtml = await renderPostBody(app.db, body, author!)
    const slug = await editPost(app.db, { postId: post.id, bodyMd: body, bodyHtml, title })
    return reply.redirect(postUrl(slug, post.position, post.id, app.settings.posts_per_page), 303)
  })

}
