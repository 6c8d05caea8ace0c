import type { FastifyInstance, FastifyReply } from 'fastify'
import { ensure, HttpError, notFound } from '../plugins/errors.js'
import { can, moderatesForum, type Viewer } from '../permissions.js'
import type { Locale } from '../config.js'
import { PROPOSAL_STATUSES, type ProposalStatus } from '../db/schema.js'
import type { DB } from '../db/index.js'
import { answerEvent, findEvent, listEventAnswers, listEventsNotOver, type ListedEvent, type StoredEvent } from '../models/events.js'
import { hasVoted, setProposalStatus, toggleVote } from '../models/proposals.js'
import { findTopicById, type TopicWithForum } from '../models/topics.js'
import { eventView, placeLink } from '../events/display.js'
import { buildCalendar, type CalendarEvent } from '../events/ical.js'
import { checkReason, formSchema, slugParams } from '../lib/validation.js'
import { canSeeTopic, findTopicByReference, findVisibleTopic, topicPageUrl } from './topics.js'

const ANSWERS = ['going', 'maybe', 'not_going'] as const

/** What a topic page shows of its event: when, where, who goes and who waits, and the viewer's answer. */
export async function eventPanel (db: DB, viewer: Viewer, topic: TopicWithForum, locale: Locale) {
  const event = await findEvent(db, topic.id)
  if (event === undefined) return null
  const answers = await listEventAnswers(db, topic.id)
  const mine = viewer === null ? null : answers.find(answer => answer.user_id === viewer.id)?.status ?? null
  const view = eventView(event, locale)
  return {
    ...event, ...view,
    placeLink: placeLink(event.place),
    going: answers.filter(answer => answer.status === 'going'),
    waiting: answers.filter(answer => answer.status === 'waiting'),
    maybe: answers.filter(answer => answer.status === 'maybe'),
    mine,
    canAnswer: !view.over && can(viewer, { do: 'event.answer' }).ok,
    choices: ANSWERS.map(value => ({ value, chosen: mine === value || (value === 'going' && mine === 'waiting') }))
  }
}

/** What a topic page shows of its proposal: votes, the viewer's vote, the verdict (and its event, if the reader may see it). */
export async function proposalPanel (db: DB, viewer: Viewer, topic: TopicWithForum) {
  const planned = topic.proposal_event_id === null ? undefined : await findTopicById(db, topic.proposal_event_id)
  return {
    status: topic.proposal_status,
    votes: topic.vote_count,
    voted: viewer !== null && await hasVoted(db, topic.id, viewer.id),
    canVote: can(viewer, { do: 'proposal.vote', open: topic.proposal_status === 'open' }).ok,
    event: planned !== undefined && await canSeeTopic(db, viewer, planned) ? { slug: planned.slug, title: planned.title } : null,
    canDecide: moderatesForum(viewer, topic.forum_id),
    statuses: PROPOSAL_STATUSES.map(value => ({ value, chosen: value === topic.proposal_status }))
  }
}

export default async function gatheringRoutes (app: FastifyInstance): Promise<void> {
  const host = new URL(app.config.baseUrl).hostname
  const calendarEvent = (event: StoredEvent & { slug: string, title: string }): CalendarEvent => {
    const url = `${app.config.baseUrl}${topicPageUrl(event.slug, 1)}`
    return {
      uid: `topic-${event.topic_id}@${host}`, title: event.title, description: url, url,
      start: new Date(event.starts_at), end: new Date(event.ends_at), place: event.place || null, repeat: event.repeat,
      timeZone: event.time_zone, updated: new Date(event.updated_at)
    }
  }
  const sendCalendar = (reply: FastifyReply, events: CalendarEvent[], name: string, file: string): FastifyReply => reply
    .type('text/calendar; charset=utf-8').header('content-disposition', `attachment; filename="${file}"`)
    .send(buildCalendar(events, { name, timeZone: app.settings.time_zone }))

  app.post<{ Params: { slug: string }, Body: { status?: string } }>('/topic/:slug/rsvp', {
    schema: { params: slugParams, body: formSchema(['status']) }
  }, async (request, reply) => {
    const { topic } = await findVisibleTopic(app.db, request.viewer, request.params.slug)
    ensure(can(request.viewer, { do: 'event.answer' }))
    const event = await findEvent(app.db, topic.id)
    if (event === undefined) throw notFound()
    const status = request.body.status ?? ''
    if (!(ANSWERS as readonly string[]).includes(status)) throw new HttpError(400, 'event.bad_answer')
    if (eventView(event, request.i18n.locale).over) throw new HttpError(400, 'event.over')
    const outcome = await answerEvent(app.db, topic.id, request.viewer!.id, status as typeof ANSWERS[number])
    return reply.done(`${topicPageUrl(topic.slug, 1)}#event`, `flash.event_${outcome}`)
  })

  /** Coming events the reader may see, by their next date. */
  const comingEvents = async (viewer: Viewer, locale: Locale): Promise<Array<ListedEvent & ReturnType<typeof eventView>>> =>
    (await listEventsNotOver(app.db, viewer?.id ?? null)).map(event => ({ ...event, ...eventView(event, locale) }))
      .filter(event => !event.over).sort((a, b) => a.next!.start.getTime() - b.next!.start.getTime())

  app.get('/events', async (request, reply) => {
    const events = await comingEvents(request.viewer, request.i18n.locale)
    return reply.page('events/index', { title: request.i18n.t('event.coming'), events: events.slice(0, 100).map(event => ({ ...event, placeLink: placeLink(event.place) })) })
  })

  // Calendar programs subscribe without a login: they get what a guest may see.
  app.get('/events.ics', async (request, reply) => {
    const events = await comingEvents(request.viewer, request.i18n.locale)
    return sendCalendar(reply, events.map(calendarEvent), request.i18n.t('event.calendar_name', { site: 'Kring' }), 'events.ics')
  })

  app.get<{ Params: { slug: string } }>('/topic/:slug/event.ics', { schema: { params: slugParams } }, async (request, reply) => {
    const { topic } = await findVisibleTopic(app.db, request.viewer, request.params.slug)
    const event = await findEvent(app.db, topic.id)
    if (event === undefined) throw notFound()
    return sendCalendar(reply, [calendarEvent({ ...event, slug: topic.slug, title: topic.title })], topic.title, `${topic.slug}.ics`)
  })

  app.post<{ Params: { slug: string } }>('/topic/:slug/vote', { schema: { params: slugParams, body: formSchema([]) } }, async (request, reply) => {
    const { topic } = await findVisibleTopic(app.db, request.viewer, request.params.slug)
    if (topic.forum_kind !== 'proposals') throw notFound()
    ensure(can(request.viewer, { do: 'proposal.vote', open: topic.proposal_status === 'open' }))
    const outcome = await toggleVote(app.db, topic.id, request.viewer!.id)
    return reply.done(topicPageUrl(topic.slug, 1), `flash.proposal_${outcome}`)
  })

  app.post<{ Params: { slug: string }, Body: { status?: string, event?: string, reason?: string } }>('/topic/:slug/proposal', {
    schema: { params: slugParams, body: formSchema(['status', 'event', 'reason']) }
  }, async (request, reply) => {
    const { topic } = await findVisibleTopic(app.db, request.viewer, request.params.slug)
    if (topic.forum_kind !== 'proposals') throw notFound()
    ensure(can(request.viewer, { do: 'forum.moderate', forumId: topic.forum_id }))
    const status = request.body.status ?? ''
    if (!(PROPOSAL_STATUSES as readonly string[]).includes(status)) throw new HttpError(400, 'proposal.bad_status')
    const reason = (request.body.reason ?? '').trim()
    if (checkReason(reason)) throw new HttpError(400, 'form.reason_too_long')
    let eventTopicId: number | null = null
    if (status === 'planned') {
      // One this moderator cannot see is as unknown as one that does not exist.
      const target = await findTopicByReference(app.db, request.body.event ?? '')
      if (!target || !target.has_event || !await canSeeTopic(app.db, request.viewer, target)) throw new HttpError(400, 'proposal.unknown_event')
      eventTopicId = target.id
    }
    await setProposalStatus(app.db, topic, status as ProposalStatus, eventTopicId, { moderatorId: request.viewer!.id, action: 'topic.proposal', reason })
    return reply.done(topicPageUrl(topic.slug, 1), `flash.proposal_${status}`)
  })
}
