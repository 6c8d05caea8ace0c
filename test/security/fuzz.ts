/**
 * Sends every input in test/security/inputs.ts to every state-changing route, in every field
 * and as the path parameter, and reports whatever is not a clean answer.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { csrfToken, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'
import { reportPost } from '../../src/models/reports.js'
import { createGroup } from '../../src/models/groups.js'
import { leaksIn, pathSegment, RAW, VALUES, type RawInput } from './inputs.js'

export type Role = 'guest' | 'lid' | 'moderator'

export interface Route {
  name: string
  /** The URL with this (already encoded) path parameter. */
  url: (param: string) => string
  /** The parameter's ordinary value; absent for routes without one. */
  param?: string
  fields: string[]
  /** The other fields' ordinary values while `field` is under test ('' for the path parameter). */
  baseline: (field: string) => Record<string, string>
  /** Roles for whom a 303 (the act done) is a legitimate outcome. */
  accepts: Role[]
  /** Logs in or out: a member's session is renewed after it succeeds. */
  session?: boolean
}

/** The rows the routes act on. */
export interface Targets {
  forum: string
  /** a topic to reply to */
  topic: string
  /** the first post of a topic of the member's own, to edit */
  ownPost: number
  /** somebody else's post, to report */
  otherPost: number
  /** a post, topic and member for the moderation routes */
  modPost: number
  modTopic: string
  splitPost: number
  member: string
  /** a post with an open report */
  reportedPost: number
  /** an account whose password is PASSWORD, for logins that succeed */
  loginAs: string
  /** an open group to join and leave */
  group: string
}

const EVERYONE: Role[] = ['guest', 'lid', 'moderator']
const MEMBERS: Role[] = ['lid', 'moderator']
let registrations = 0

const TOPIC_ACTS: Record<string, Record<string, string>> = {
  reason: { action: 'unpin' },
  forum: { action: 'move' },
  title: { action: 'split' },
  target: { action: 'merge' },
  posts: { action: 'split', title: 'Afgesplitst deel' }
}

export function stateChangingRoutes (c: Targets): Route[] {
  return [
    {
      name: 'POST /register', url: () => '/register', fields: ['username', 'email', 'password'], accepts: EVERYONE, session: true,
      baseline: () => {
        const username = `fz${++registrations}`
        return { username, email: `${username}@example.org`, password: PASSWORD }
      }
    },
    {
      name: 'POST /login', url: () => '/login', fields: ['login', 'password', 'next'], accepts: EVERYONE, session: true,
      // Failures go to an account that does not exist, so no real account is locked by the fuzzing.
      baseline: (f): Record<string, string> => f === 'next' ? { login: c.loginAs, password: PASSWORD } : { login: 'nobody-here', password: 'not the password at all', next: '/' }
    },
    { name: 'POST /logout', url: () => '/logout', fields: ['extra'], accepts: EVERYONE, session: true, baseline: () => ({}) },
    {
      name: 'POST /forum/:slug/new', url: p => `/forum/${p}/new`, param: c.forum, fields: ['title', 'body'], accepts: MEMBERS,
      baseline: () => ({ title: 'Een gewone vraag', body: 'Een gewoon bericht' })
    },
    {
      name: 'POST /topic/:slug/reply', url: p => `/topic/${p}/reply`, param: c.topic, fields: ['body'], accepts: MEMBERS,
      baseline: () => ({ body: 'Een gewone reactie' })
    },
    {
      name: 'POST /post/:id/edit', url: p => `/post/${p}/edit`, param: String(c.ownPost), fields: ['title', 'body', 'reason'], accepts: MEMBERS,
      baseline: () => ({ title: 'Een gewone vraag', body: 'Bewerkt bericht', reason: 'typfout' })
    },
    {
      name: 'POST /post/:id/report', url: p => `/post/${p}/report`, param: String(c.otherPost), fields: ['reason'], accepts: MEMBERS,
      baseline: () => ({ reason: 'spam' })
    },
    {
      name: 'POST /post/:id/moderate', url: p => `/post/${p}/moderate`, param: String(c.modPost), fields: ['action', 'reason'], accepts: ['moderator'],
      baseline: () => ({ action: 'unhide', reason: 'fuzz' })
    },
    {
      name: 'POST /topic/:slug/moderate', url: p => `/topic/${p}/moderate`, param: c.modTopic,
      fields: ['action', 'reason', 'forum', 'title', 'target', 'posts'], accepts: ['moderator'],
      baseline: f => ({ action: 'unpin', reason: 'fuzz', posts: String(c.splitPost), ...TOPIC_ACTS[f] })
    },
    {
      name: 'POST /user/:username/moderate', url: p => `/user/${p}/moderate`, param: c.member,
      fields: ['action', 'reason', 'role', 'until', 'forums'], accepts: ['moderator'],
      baseline: (f): Record<string, string> => f === 'until' ? { action: 'suspend', reason: 'fuzz' } : f === 'forums' ? { action: 'forums' } : { action: 'role', role: 'lid', reason: 'fuzz' }
    },
    {
      name: 'POST /topic/:slug/watch', url: p => `/topic/${p}/watch`, param: c.topic, fields: ['level'], accepts: MEMBERS,
      baseline: () => ({ level: 'watching' })
    },
    {
      name: 'POST /forum/:slug/watch', url: p => `/forum/${p}/watch`, param: c.forum, fields: ['level'], accepts: MEMBERS,
      baseline: () => ({ level: 'new_topics' })
    },
    {
      name: 'POST /user/:username/mute', url: p => `/user/${p}/mute`, param: c.member, fields: ['muted'], accepts: MEMBERS,
      baseline: () => ({ muted: '0' })
    },
    { name: 'POST /account/language', url: () => '/account/language', fields: ['locale'], accepts: MEMBERS, baseline: () => ({ locale: 'nl' }) },
    { name: 'POST /account/mail', url: () => '/account/mail', fields: ['email_mode', 'auto_watch'], accepts: MEMBERS, baseline: () => ({ email_mode: 'immediately', auto_watch: '1' }) },
    {
      name: 'POST /admin/forums/:slug', url: p => `/admin/forums/${p}`, param: c.forum, fields: ['name', 'description', 'parent', 'position', 'group', 'visibility'], accepts: [],
      baseline: () => ({ name: 'Algemeen', description: '', parent: '', position: '1', group: '', visibility: 'public' })
    },
    {
      name: 'POST /account/profile', url: () => '/account/profile', fields: ['display_name', 'organisation', 'job_title', 'website', 'bio', 'region', 'sector'], accepts: MEMBERS,
      baseline: () => ({ display_name: 'Jan Jansen', organisation: 'Bibliotheek', job_title: '', website: 'https://example.org', bio: 'Hallo', region: '', sector: '' })
    },
    { name: 'POST /post/:id/accept', url: p => `/post/${p}/accept`, param: String(c.otherPost), fields: ['extra'], accepts: [], baseline: () => ({}) },
    { name: 'POST /user/:username/moderate (label)', url: p => `/user/${p}/moderate`, param: c.member, fields: ['label'], accepts: [], baseline: () => ({ action: 'label', label: 'Jurist' }) },
    { name: 'POST /post/:id/like', url: p => `/post/${p}/like`, param: String(c.otherPost), fields: ['extra'], accepts: MEMBERS, baseline: () => ({}) },
    { name: 'POST /admin/lists', url: () => '/admin/lists', fields: ['regions', 'sectors'], accepts: [], baseline: () => ({ regions: 'Noord', sectors: 'Musea' }) },
    { name: 'POST /admin/groups', url: () => '/admin/groups', fields: ['name', 'description', 'kind'], accepts: [], baseline: () => ({ name: 'Regio Oost', description: '', kind: 'open' }) },
    { name: 'POST /groups/:slug/join', url: p => `/groups/${p}/join`, param: c.group, fields: ['extra'], accepts: MEMBERS, baseline: () => ({}) },
    { name: 'POST /groups/:slug/leave', url: p => `/groups/${p}/leave`, param: c.group, fields: ['extra'], accepts: MEMBERS, baseline: () => ({}) },
    {
      name: 'POST /groups/:slug/members', url: p => `/groups/${p}/members`, param: c.group, fields: ['action', 'username'], accepts: [],
      baseline: () => ({ action: 'add', username: 'kees' })
    },
    {
      name: 'POST /moderation/reports/:id/resolve', url: p => `/moderation/reports/${p}/resolve`, param: String(c.reportedPost),
      fields: ['resolution', 'hide', 'reason'], accepts: ['moderator'],
      baseline: () => ({ resolution: 'dismissed', hide: '', reason: 'fuzz' })
    }
  ]
}

export type Input = { name: string, value: string, raw?: undefined } | { name: string, raw: RawInput, value?: undefined }

export const INPUTS: Input[] = [
  ...VALUES.map(([name, value]) => ({ name, value })),
  ...RAW.map(raw => ({ name: `raw ${raw.name}`, raw }))
]

let addresses = 0
/** Every fuzzing request comes from an address of its own, so the rate limits stay out of the way. */
function freshIp (): string {
  addresses++
  return `10.${(addresses >> 16) & 255}.${(addresses >> 8) & 255}.${addresses & 255}`
}

interface Jar { cookie: string, token: string }

/** Cookies and a CSRF token for a guest, or for a member logged in through the form. */
async function jarFor (app: FastifyInstance, login: string | null): Promise<Jar> {
  const visitor = new Visitor(app)
  if (login !== null) await visitor.login(login, PASSWORD)
  const page = await visitor.get(login === null ? '/login' : '/')
  const token = csrfToken(page.body)
  if (token === undefined) throw new Error(`no CSRF token for ${login ?? 'a guest'}`)
  return { cookie: visitor.cookieHeader, token }
}

const encode = (fields: Record<string, string>): string => new URLSearchParams(fields).toString()

export class Fuzzer {
  requests = 0
  private jar: Jar | undefined

  constructor (readonly app: FastifyInstance, readonly role: Role, readonly login: string | null) {}

  /** Every problem with the answers to one input, as readable lines; empty when all were clean. */
  async run (routes: Route[], input: Input): Promise<string[]> {
    const problems: string[] = []
    for (const route of routes) {
      for (const field of [...route.fields, '_csrf']) {
        problems.push(...await this.send(route, field, route.param === undefined ? '' : pathSegment(route.param), input, false))
      }
      if (route.param !== undefined) {
        const segment = input.raw !== undefined ? input.raw.path : pathSegment(input.value)
        problems.push(...await this.send(route, '', segment, input, true))
      }
    }
    return problems
  }

  private async send (route: Route, field: string, segment: string, input: Input, inPath: boolean): Promise<string[]> {
    this.jar ??= await jarFor(this.app, this.login)
    const fields = { _csrf: this.jar.token, ...route.baseline(field) }
    let payload: string
    if (inPath) payload = encode(fields)
    else if (input.raw !== undefined) {
      delete (fields as Record<string, string>)[field]
      payload = [encode(fields), input.raw.body(field)].filter(Boolean).join('&')
    } else payload = encode({ ...fields, [field]: input.value })

    this.requests++
    const response = await this.app.inject({
      method: 'POST',
      url: route.url(segment),
      remoteAddress: freshIp(),
      headers: { cookie: this.jar.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload
    })
    // A member who logged in or out again (or registered) has a new session: start from a fresh one.
    if (route.session && this.login !== null && response.statusCode === 303) this.jar = undefined
    const where = `${route.name} ${inPath ? 'path' : field}`
    return this.check(response, route, input.value ?? input.raw.body(field)).map(problem => `${where}: ${problem}`)
  }

  private check (response: LightMyRequestResponse, route: Route, sent: string): string[] {
    const problems: string[] = []
    const status = response.statusCode
    const location = String(response.headers.location ?? '')
    if (status === 303) {
      if (!/^\/(?![/\\])/.test(location)) problems.push(`303 to a non-local address ${JSON.stringify(location)}`)
      else if (!route.accepts.includes(this.role) && !(this.role === 'guest' && location.startsWith('/login'))) {
        problems.push(`303 to ${location}: done for a ${this.role}`)
      }
    } else if (status < 400 || status > 499) problems.push(`status ${status}`)
    const body = response.body
    const leaks = leaksIn(body, sent)
    if (leaks.length > 0) problems.push(`${status} leaks ${leaks.join(', ')}: ${body.slice(0, 300)}`)
    if (/[<>]/.test(sent) && sent.length > 8 && body.includes(sent)) problems.push('the input came back unescaped')
    const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? [])
    if (response.headers.x !== undefined || cookies.some(cookie => /^\s*x=/.test(cookie))) problems.push('a header was injected')
    return problems
  }
}

/** Forums, members, topics and a report for the routes to act on. */
export async function fuzzFixture (app: FastifyInstance): Promise<Targets> {
  const algemeen = await makeForum(app)
  await makeForum(app, 'Regio Noord')
  const jan = await makeMember(app, 'jan')
  const piet = await makeMember(app, 'piet')
  const kees = await makeMember(app, 'kees')
  await makeMember(app, 'mod', 'moderator')
  // Enough posts that a loosely parsed id ("01", "0x10", "1e1") would find one.
  const pietsTopic = await makeTopic(app, { forumId: algemeen.id, author: piet, title: 'Vraag van piet', replies: 20 })
  const jansTopic = await makeTopic(app, { forumId: algemeen.id, author: jan, title: 'Vraag van jan' })
  const modTopic = await makeTopic(app, { forumId: algemeen.id, author: piet, title: 'Onderwerp om te modereren', replies: 4 })
  await reportPost(app.db, { postId: pietsTopic.ids[2], reporterId: kees.id, reason: 'onaardig' })
  const group = await createGroup(app.db, { name: 'Sector musea', joining: 'open' })
  return {
    forum: algemeen.slug,
    topic: pietsTopic.topic.slug,
    ownPost: jansTopic.ids[0],
    otherPost: pietsTopic.ids[1],
    modPost: modTopic.ids[1],
    modTopic: modTopic.topic.slug,
    splitPost: modTopic.ids[2],
    member: 'piet',
    reportedPost: pietsTopic.ids[2],
    loginAs: 'kees',
    group: group.slug
  }
}

/** What only moderators and beheerders may change. */
export async function guardedState (app: FastifyInstance) {
  const db = app.db
  const count = async (table: 'moderation_log' | 'forum_moderators'): Promise<number> =>
    Number((await db.selectFrom(table).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  const home = await db.selectFrom('forums').select('id').where('slug', '=', 'algemeen').executeTakeFirstOrThrow()
  return {
    roles: await db.selectFrom('users').select(['username', 'role']).where('role', '!=', 'lid').orderBy('username').execute(),
    suspended: await db.selectFrom('users').select('username').where('suspended_until', 'is not', null).execute(),
    topics: await db.selectFrom('topics').select(['id', 'forum_id', 'locked', 'pinned', 'announced', 'hidden'])
      .where(eb => eb.or([eb('locked', '!=', 0), eb('pinned', '!=', 0), eb('announced', '!=', 0), eb('hidden', '!=', 0), eb('forum_id', '!=', home.id)]))
      .orderBy('id').execute(),
    hiddenPosts: await db.selectFrom('posts').select('id').where('hidden', '!=', 0).execute(),
    resolvedReports: await db.selectFrom('reports').select('id').where('resolved_at', 'is not', null).execute(),
    moderationLog: await count('moderation_log'),
    forumModerators: await count('forum_moderators')
  }
}

/** After each batch: the forum still answers and no object was polluted. */
export async function stillStanding (app: FastifyInstance): Promise<string[]> {
  const problems: string[] = []
  const index = await app.inject({ url: '/', remoteAddress: freshIp() })
  if (index.statusCode !== 200) problems.push(`GET / answers ${index.statusCode}`)
  const blank = {} as Record<string, unknown>
  for (const key of ['role', 'admin', 'x', 'is_admin', '0']) {
    if (blank[key] !== undefined) problems.push(`Object.prototype.${key} is polluted`)
  }
  return problems
}

/**
 * Fuzzing is about answers, not durability: without an fsync per commit the thousands of
 * requests take a third of the time (test/durability covers synchronous=FULL).
 */
export const FAST = { synchronous: 'NORMAL' as const }

export const MODERATION_ROUTES = ['POST /post/:id/moderate', 'POST /topic/:slug/moderate', 'POST /user/:username/moderate', 'POST /moderation/reports/:id/resolve']
