import type { FastifyInstance } from 'fastify'
import { HttpError, loggedInMember, notFound } from '../plugins/errors.js'
import { countNotifications, listNotifications, openNotification } from '../models/notifications.js'
import { FORUM_LEVELS, setWatchLevel, TOPIC_LEVELS } from '../models/watches.js'
import { findReadableForum } from '../models/readable.js'
import { setMailPreferences, findUserById } from '../models/users.js'
import { pageLinks, paginate, parsePageParam } from '../lib/pagination.js'
import { formSchema, idParams, parseId, slugParams } from '../lib/validation.js'
import type { WatchLevel } from '../db/schema.js'
import { findVisibleTopic, topicPageUrl } from './topics.js'

const PER_PAGE = 20

/** A member's notifications, following topics and forums, and the unsubscribe link in every mail. */
export default async function notificationRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { page?: string } }>('/notifications', {
    schema: { querystring: { type: 'object', properties: { page: { type: 'string' } } } }
  }, async (request, reply) => {
    loggedInMember(request)
    const viewer = request.viewer!
    const number = parsePageParam(request.query.page)
    const page = number === null ? null : paginate(number, PER_PAGE, await countNotifications(app.db, viewer.id))
    if (!page) throw notFound()
    const items = await listNotifications(app.db, viewer.id, { limit: PER_PAGE, offset: (page.number - 1) * PER_PAGE })
    return reply.page('notifications/index', {
      title: request.i18n.t('notifications.title'),
      items: items.map(item => ({ ...item, text: request.i18n.t(`notifications.${item.kind}`, { name: item.actor ?? '', topic: item.topic_title ?? '', act: request.i18n.t(`log.act.${item.detail ?? ''}`) }) })),
      pageLinks: page.pageCount > 1 ? pageLinks(page, n => n === 1 ? '/notifications' : `/notifications?page=${n}`) : []
    })
  })

  // Opening one marks it read and goes to what it is about.
  app.get<{ Params: { id: string } }>('/notifications/:id', { schema: { params: idParams } }, async (request, reply) => {
    loggedInMember(request)
    const id = parseId(request.params.id)
    const target = id === null ? undefined : await openNotification(app.db, request.viewer!.id, id)
    if (!target) throw notFound()
    return reply.redirect(target.post_id !== null ? `/post/${target.post_id}` : '/notifications', 302)
  })

  app.post<{ Params: { slug: string }, Body: { level?: string } }>('/topic/:slug/watch', {
    schema: { params: slugParams, body: formSchema(['level']) }
  }, async (request, reply) => {
    const { topic } = await findVisibleTopic(app.db, request.viewer, request.params.slug)
    loggedInMember(request)
    const level = request.body.level ?? ''
    if (!(TOPIC_LEVELS as readonly string[]).includes(level)) throw new HttpError(400, 'settings.unknown_choice')
    await setWatchLevel(app.db, request.viewer!.id, { topicId: topic.id }, level as WatchLevel)
    return reply.done(topicPageUrl(topic.slug, 1), `flash.watch_${level}`)
  })

  app.post<{ Params: { slug: string }, Body: { level?: string } }>('/forum/:slug/watch', {
    schema: { params: slugParams, body: formSchema(['level']) }
  }, async (request, reply) => {
    const forum = await findReadableForum(app.db, request.viewer, request.params.slug)
    if (!forum) throw notFound()
    loggedInMember(request)
    const level = request.body.level ?? ''
    if (!(FORUM_LEVELS as readonly string[]).includes(level)) throw new HttpError(400, 'settings.unknown_choice')
    await setWatchLevel(app.db, request.viewer!.id, { forumId: forum.id }, level as WatchLevel)
    return reply.done(`/forum/${forum.slug}`, `flash.watch_${level}`)
  })

  const tokenParams = { type: 'object', properties: { token: { type: 'string', maxLength: 100 } }, required: ['token'] } as const

  // The link in every mail: a page with a button, for people; a one-click POST (RFC 8058), for mail programs.
  app.get<{ Params: { token: string } }>('/unsubscribe/:token', { schema: { params: tokenParams } }, async (request, reply) => {
    const userId = app.notifier.unsubscriber(request.params.token)
    const member = userId === null ? undefined : await findUserById(app.db, userId)
    if (!member) throw new HttpError(400, 'account.confirm_invalid')
    return reply.page('notifications/unsubscribe', { title: request.i18n.t('unsubscribe.title'), token: request.params.token, done: member.email_mode === 'never', form: true })
  })

  app.post<{ Params: { token: string } }>('/unsubscribe/:token', {
    schema: { params: tokenParams },
    // The token is the proof: a mail program posts this without a session or a form token.
    config: { skipCsrf: true }
  }, async (request, reply) => {
    const userId = app.notifier.unsubscriber(request.params.token)
    const member = userId === null ? undefined : await findUserById(app.db, userId)
    if (!member) throw new HttpError(400, 'account.confirm_invalid')
    await setMailPreferences(app.db, member.id, { emailMode: 'never', autoWatch: member.auto_watch === 1 })
    return reply.page('notifications/unsubscribe', { title: request.i18n.t('unsubscribe.title'), done: true })
  })
}
