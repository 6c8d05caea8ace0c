import type { FastifyInstance, FastifyReply } from 'fastify'
import { ensure, HttpError, notFound } from '../plugins/errors.js'
import { actsOnMembers, can, hasRole, moderatedForumIds } from '../permissions.js'
import { INDEFINITELY, type Role } from '../db/schema.js'
import { findForumBySlug, listForumsFlat } from '../models/forums.js'
import { findTopicBySlug } from '../models/topics.js'
import { findPostById, listQueuedPosts } from '../models/posts.js'
import { actOnMember, listLogModerators, listModerationLog, moveTopic, setTopicFlag, setTopicHidden } from '../models/moderation.js'
import { describeLogEntry, LOGGED_ACTS } from './log-words.js'
import { mergeIntoTopic, mergeWholeTopic, ModerationError, splitTopic } from '../models/merging.js'
import { listOpenReports, resolveReports } from '../models/reports.js'
import { findUserByUsername, ROLES, setModeratedForums, setUserRole, suspendUser } from '../models/users.js'
import { checkReason, checkTitle, formSchema, idParams, isPlainName, parseId, slugParams } from '../lib/validation.js'
import { setExpertLabel } from '../models/profiles.js'
import { parsePageParam } from '../lib/pagination.js'
import { findReadableForum } from '../models/readable.js'
import { canSeeTopic, findTopicByReference, findVisibleTopic, topicPageUrl } from './topics.js'

interface TopicActForm { action?: string, reason?: string, forum?: string, title?: string, target?: string, posts?: string | string[], chosen?: string }
interface MemberActForm { action?: string, reason?: string, role?: string, until?: string, forums?: string | string[], label?: string }

const FLAGS = {
  lock: ['locked', true], unlock: ['locked', false],
  pin: ['pinned', true], unpin: ['pinned', false],
  announce: ['announced', true], unannounce: ['announced', false]
} as const

const asList = (value: string | string[] | undefined): string[] => value === undefined ? [] : Array.isArray(value) ? value : [value]

/** "2026-12-31" → the last second of that day in Amsterdam; null when not a date. */
function parseUntil (value: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null
  const utc = Date.parse(`${value}T23:59:59Z`)
  // Date.parse rolls 2030-02-30 over into March: only a date that reads back the same is one.
  if (Number.isNaN(utc) || new Date(utc).toISOString().slice(0, 10) !== value) return null
  const zone = new Intl.DateTimeFormat('en', { timeZone: 'Europe/Amsterdam', timeZoneName: 'longOffset' })
    .formatToParts(utc).find(part => part.type === 'timeZoneName')?.value ?? 'GMT'
  const [, sign, hours, minutes] = /GMT([+-])(\d\d):(\d\d)/.exec(zone) ?? [, '+', '00', '00']
  return utc - (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes)) * 60_000
}

/**
 * A moderation form sent with a reason that is too long (only a client that skips the field's
 * maxlength can): the same form again on a page of its own, every choice kept, the reason too.
 */
export function retryWithReason (reply: FastifyReply, action: string, body: { reason?: string }, back: { href: string, text: string }): FastifyReply {
  const fields = Object.entries(body as Record<string, string | string[] | undefined>).filter(([name]) => name !== 'reason' && name !== '_csrf')
    .flatMap(([name, value]) => asList(value).map(item => ({ name, value: item })))
  return reply.page('moderation/retry', { title: reply.request.i18n.t('moderation.retry_heading'), action, fields, reason: body.reason, error: 'form.reason_too_long', back }, 400)
}

export default async function moderationRoutes (app: FastifyInstance): Promise<void> {
  app.post<{ Params: { slug: string }, Body: TopicActForm }>('/topic/:slug/moderate', {
    schema: {
      params: slugParams,
      body: formSchema(['action', 'reason', 'forum', 'title', 'target', 'chosen'], ['posts'])
    }
  }, async (request, reply) => {
    const { topic } = await findVisibleTopic(app.db, request.viewer, request.params.slug)
    ensure(can(request.viewer, { do: 'forum.moderate', forumId: topic.forum_id }))
    const moderatorId = request.viewer!.id
    const action = request.body.action ?? ''
    const reason = (request.body.reason ?? '').trim()
    if (checkReason(reason)) return retryWithReason(reply, request.url, request.body, { href: topicPageUrl(topic.slug, 1), text: topic.title })
    const act = { moderatorId, action: `topic.${action}`, reason }

    if (Object.hasOwn(FLAGS, action)) {
      const [flag, on] = FLAGS[action as keyof typeof FLAGS]
      await setTopicFlag(app.db, topic, flag, on, act)
    } else if (action === 'hide' || action === 'unhide') {
      await setTopicHidden(app.db, topic, action === 'hide', act)
    } else if (action === 'move') {
      // A forum the moderator does not read is as unknown as one that does not exist.
      const target = await findReadableForum(app.db, request.viewer, request.body.forum ?? '')
      if (!target) throw new HttpError(400, 'moderation.unknown_forum')
      ensure(can(request.viewer, { do: 'forum.moderate', forumId: target.id }))
      if (target.id !== topic.forum_id) {
        await moveTopic(app.db, topic, target.id, { ...act, from: topic.forum_slug, to: target.slug })
      }
    } else if (action === 'split' || action === 'merge') {
      const postIds = asList(request.body.posts).map(parseId).filter((id): id is number => id !== null)
      try {
        if (action === 'split') {
          const title = (request.body.title ?? '').trim()
          const titleError = checkTitle(title)
          if (titleError) throw new HttpError(400, titleError)
          const created = await splitTopic(app.db, topic, postIds, title, act)
          return reply.done(topicPageUrl(created.slug, 1), 'flash.topic_split')
        }
        const target = await findTopicByReference(app.db, request.body.target ?? '')
        if (!target || !await canSeeTopic(app.db, request.viewer, target)) throw new HttpError(400, 'moderation.unknown_topic')
        ensure(can(request.viewer, { do: 'forum.moderate', forumId: target.forum_id }))
        // Without chosen posts, the whole topic goes into the target (the tools form asks for chosen ones). Either way: land on the moved posts.
        if (request.body.chosen === '1' && postIds.length === 0) throw new ModerationError('moderation.choose_replies')
        const firstMoved = postIds.length === 0
          ? await mergeWholeTopic(app.db, topic, target, act)
          : await mergeIntoTopic(app.db, topic, postIds, target, act)
        return reply.done(`/post/${firstMoved}`, 'flash.topic_merge')
      } catch (error) {
        if (!(error instanceof ModerationError)) throw error
        // Not a dead end: the page says what to do and leads back to the topic.
        return reply.page('errors/error', { status: 400, reason: error.message, back: { href: topicPageUrl(topic.slug, 1), text: topic.title } }, 400)
      }
    } else {
      throw new HttpError(400, 'moderation.unknown_action')
    }
    return reply.done(topicPageUrl(topic.slug, 1), `flash.topic_${action}`)
  })

  app.post<{ Params: { username: string }, Body: MemberActForm }>('/user/:username/moderate', {
    schema: {
      params: { type: 'object', properties: { username: { type: 'string' } }, required: ['username'] },
      body: formSchema(['action', 'reason', 'role', 'until', 'label'], ['forums'])
    }
  }, async (request, reply) => {
    const member = await findUserByUsername(app.db, request.params.username)
    if (!member) throw notFound()
    const viewer = request.viewer
    const action = request.body.action ?? ''
    const reason = (request.body.reason ?? '').trim()
    if (checkReason(reason)) {
      ensure(can(viewer, { do: 'moderation.view' }))
      return retryWithReason(reply, request.url, request.body, { href: `/user/${encodeURIComponent(member.username)}`, text: member.username })
    }
    // Every branch checks the viewer's right before it logs.
    const log = (): { moderatorId: number, userId: number, reason: string } => ({ moderatorId: viewer!.id, userId: member.id, reason })

    if (action === 'suspend') {
      ensure(can(viewer, { do: 'member.suspend', member }))
      const untilText = (request.body.until ?? '').trim()
      const until = untilText === '' ? INDEFINITELY : parseUntil(untilText)
      if (until === null || until <= Date.now()) throw new HttpError(400, 'moderation.bad_date')
      await actOnMember(app.db, { ...log(), action: 'member.suspend', to: until === INDEFINITELY ? null : untilText },
        trx => suspendUser(trx, member.id, until, reason || null))
    } else if (action === 'unsuspend') {
      ensure(can(viewer, { do: 'member.suspend', member }))
      await actOnMember(app.db, { ...log(), action: 'member.unsuspend' }, trx => suspendUser(trx, member.id, null, null))
    } else if (action === 'role') {
      const role = request.body.role ?? ''
      if (!(ROLES as readonly string[]).includes(role)) throw new HttpError(400, 'moderation.unknown_role')
      ensure(can(viewer, { do: 'member.role', member, role: role as Role }))
      if (role !== member.role) {
        await actOnMember(app.db, { ...log(), action: 'member.role', from: member.role, to: role }, async trx => {
          await setUserRole(trx, member.id, role as Role)
          // A former moderator's forum limits do not come back with a later appointment.
          if (!hasRole({ ...member, role: role as Role }, 'moderator')) await setModeratedForums(trx, member.id, [])
        })
      }
    } else if (action === 'forums') {
      ensure(can(viewer, { do: 'site.administer' }))
      const slugs = asList(request.body.forums)
      const forums = await Promise.all(slugs.map(slug => findForumBySlug(app.db, slug)))
      if (forums.some(f => f === undefined)) throw new HttpError(400, 'moderation.unknown_forum')
      await actOnMember(app.db, { ...log(), action: 'member.forums', to: slugs.join(', ') || null },
        trx => setModeratedForums(trx, member.id, forums.map(f => f!.id)))
    } else if (action === 'label') {
      // The beheerder gives expert labels ("Arbeidsrechtjurist"), shown beside the name on every post and in the directory.
      ensure(can(viewer, { do: 'site.administer' }))
      const label = (request.body.label ?? '').trim()
      if ([...label].length > 60 || !isPlainName(label)) throw new HttpError(400, 'profile.plain_text')
      await actOnMember(app.db, { ...log(), action: 'member.label', to: label || null }, trx => setExpertLabel(trx, member.id, label))
    } else {
      ensure(can(viewer, { do: 'moderation.view' }))
      throw new HttpError(400, 'moderation.unknown_action')
    }
    return reply.done(`/user/${encodeURIComponent(member.username)}`, `flash.member_${action}`, { name: member.username })
  })

  app.get('/moderation/queue', async (request, reply) => {
    ensure(can(request.viewer, { do: 'moderation.view' }))
    return reply.page('moderation/queue', { title: request.i18n.t('moderation.queue'), posts: await listQueuedPosts(app.db, moderatedForumIds(request.viewer), 200) })
  })

  app.get('/moderation/reports', async (request, reply) => {
    ensure(can(request.viewer, { do: 'moderation.view' }))
    const reports = await listOpenReports(app.db, moderatedForumIds(request.viewer))
    return reply.page('moderation/reports', { title: request.i18n.t('moderation.reports'), reports })
  })

  app.post<{ Params: { id: string }, Body: { resolution?: string, hide?: string, reason?: string } }>('/moderation/reports/:id/resolve', {
    schema: { params: idParams, body: formSchema(['resolution', 'hide', 'reason']) }
  }, async (request, reply) => {
    const id = parseId(request.params.id)
    const post = id === null ? undefined : await findPostById(app.db, id)
    const topic = post === undefined ? undefined : await findTopicBySlug(app.db, post.topic_slug)
    if (!post || !topic || !await canSeeTopic(app.db, request.viewer, topic)) throw notFound()
    ensure(can(request.viewer, { do: 'forum.moderate', forumId: post.forum_id }))
    // "upheld_hidden": upheld, and the post hidden with the same reason.
    const hideToo = request.body.resolution === 'upheld_hidden' || request.body.hide === '1'
    const resolution = request.body.resolution === 'upheld_hidden' ? 'upheld' : request.body.resolution
    if (resolution !== 'upheld' && resolution !== 'dismissed') throw new HttpError(400, 'moderation.unknown_action')
    const reason = (request.body.reason ?? '').trim()
    if (checkReason(reason)) return retryWithReason(reply, request.url, request.body, { href: '/moderation/reports', text: request.i18n.t('moderation.reports') })
    const hide = hideToo ? { reason: reason || request.i18n.t('moderation.hidden_after_report') } : undefined
    await resolveReports(app.db, { post, moderatorId: request.viewer!.id, resolution, hide, reason })
    return reply.done('/moderation/reports', `flash.report_${resolution}`)
  })

  const LOG_PAGE = 50
  app.get<{ Querystring: { moderator?: string, action?: string, page?: string } }>('/moderation/log', {
    schema: { querystring: { type: 'object', properties: { moderator: { type: 'string' }, action: { type: 'string' }, page: { type: 'string' } } } }
  }, async (request, reply) => {
    ensure(can(request.viewer, { do: 'moderation.view' }))
    const page = parsePageParam(request.query.page)
    if (page === null) throw notFound()
    const { moderator, action } = request.query
    // Each reader sees the acts in what they moderate: a moderator limited to some forums, only those.
    const viewer = request.viewer!
    const scope = { forumIds: actsOnMembers(viewer) ? null : viewer.moderatedForumIds ?? null, members: actsOnMembers(viewer), site: hasRole(viewer, 'beheerder') }
    const entries = await listModerationLog(app.db, { moderator: moderator || undefined, action: action || undefined, scope, limit: LOG_PAGE + 1, offset: (page - 1) * LOG_PAGE })
    const query = (n: number): string => `/moderation/log?${new URLSearchParams({ ...(moderator ? { moderator } : {}), ...(action ? { action } : {}), page: String(n) })}`
    const forums = await listForumsFlat(app.db, viewer.id)
    return reply.page('moderation/log', {
      title: request.i18n.t('moderation.log'),
      entries: entries.slice(0, LOG_PAGE).map(entry => describeLogEntry(request.i18n, entry, forums, hasRole(viewer, 'beheerder'))),
      acts: LOGGED_ACTS.map(act => ({ value: act, label: request.i18n.t(`log.act.${act}`), selected: act === action })),
      moderators: (await listLogModerators(app.db)).map(name => ({ value: name, selected: name.toLowerCase() === (moderator ?? '').toLowerCase() })),
      newer: page > 1 ? query(page - 1) : null,
      older: entries.length > LOG_PAGE ? query(page + 1) : null
    })
  })
}
