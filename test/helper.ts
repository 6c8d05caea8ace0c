import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Insertable } from 'kysely'
import type { Database } from '../src/db/schema.js'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import type { Settings } from '../src/models/settings.js'
import { recountAll } from '../src/models/recount.js'
import { freshPostgresDatabase, testOnPostgres } from './postgres-databases.js'

interface TapLike {
  testdir: () => string
  teardown: (fn: () => unknown) => void
}

/**
 * Posting limits are off in the fixture so tests can post in quick succession;
 * test/routes/trust.test.ts checks the limits with the real defaults (pass `settings: {}`).
 */
export const NO_POSTING_LIMITS: Partial<Settings> = { limit_lid_seconds: 0, limit_bijdrager_seconds: 0, limit_lid_first_day_topics: 1_000_000 }

/**
 * A fresh app on its own temp-file SQLite database (or, with KRING_TEST_DB=postgres, its own
 * PostgreSQL database), closed when the test ends.
 */
export async function buildTestApp (t: TapLike, overrides: Partial<Config> = {}, settings: Partial<Settings> = NO_POSTING_LIMITS): Promise<FastifyInstance> {
  const dataDir = t.testdir()
  const postgres = testOnPostgres && overrides.databaseUrl === undefined ? await freshPostgresDatabase() : null
  // A cheap scrypt cost keeps tests quick; the cost is stored with each hash, so login works the same.
  const config = loadConfig({}, { dataDir, demo: false, logLevel: process.env.KRING_TEST_LOG ?? 'silent', passwordCost: 10, databaseUrl: postgres?.url ?? null, ...overrides })
  const app = await buildApp(config)
  t.teardown(async () => {
    await app.close()
    await postgres?.drop()
  })
  Object.assign(app.settings, settings)
  return app
}

/** The environment for a `kring` command or server process working on this app's data (its folder and database). */
export function dataEnv (app: FastifyInstance): Record<string, string> {
  return { DATA_DIR: app.config.dataDir, ...(app.config.databaseUrl === null ? {} : { DATABASE_URL: app.config.databaseUrl }) }
}

let visitors = 0

/** A visitor with a cookie jar, who fills in forms the way a browser does: with the page's CSRF token. */
export class Visitor {
  readonly cookies = new Map<string, string>()
  /** Each visitor comes from an address of their own, as members do; rate limits are per address. */
  readonly ip: string
  constructor (readonly app: FastifyInstance, ip?: string) {
    visitors++
    this.ip = ip ?? `127.${(visitors >> 16) & 255}.${(visitors >> 8) & 255}.${visitors & 255}`
  }

  private remember (response: LightMyRequestResponse): LightMyRequestResponse {
    for (const cookie of response.cookies as Array<{ name: string, value: string, maxAge?: number, expires?: Date }>) {
      const expired = cookie.maxAge === 0 || (cookie.expires !== undefined && cookie.expires.getTime() <= Date.now())
      if (expired || cookie.value === '') this.cookies.delete(cookie.name)
      else this.cookies.set(cookie.name, cookie.value)
    }
    return response
  }

  get cookieHeader (): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  async get (url: string): Promise<LightMyRequestResponse> {
    return this.remember(await this.app.inject({ method: 'GET', url, remoteAddress: this.ip, headers: { cookie: this.cookieHeader } }))
  }

  /** Posts exactly these fields, no token added. */
  async postRaw (url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.remember(await this.app.inject({
      method: 'POST',
      url,
      remoteAddress: this.ip,
      headers: { cookie: this.cookieHeader, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(fields).toString()
    }))
  }

  /** Opens `formPage`, takes its CSRF token and posts the fields to `url`. */
  async submit (formPage: string, url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    let page = await this.get(formPage)
    // A member who is logged in is sent on from /login and /register: the token is on every page.
    if (page.statusCode === 303 && /^\/(login|register)\b/.test(formPage)) page = await this.get('/')
    const token = csrfToken(page.body)
    if (!token) throw new Error(`no CSRF token on ${formPage} (status ${page.statusCode})`)
    return this.postRaw(url, { _csrf: token, ...fields })
  }

  /** As `submit`, for a form with files (`multipart/form-data`), the way a browser encodes it. */
  async submitMultipart (formPage: string, url: string, fields: Record<string, string>, files: Array<{ field: string, filename: string, type: string, data: Buffer }>): Promise<LightMyRequestResponse> {
    const page = await this.get(formPage)
    const token = csrfToken(page.body)
    if (!token) throw new Error(`no CSRF token on ${formPage} (status ${page.statusCode})`)
    const boundary = `----kring${Math.random().toString(16).slice(2)}`
    const parts: Buffer[] = []
    for (const [name, value] of Object.entries({ _csrf: token, ...fields })) {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
    }
    for (const file of files) {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename.replace(/"/g, '%22')}"\r\nContent-Type: ${file.type}\r\n\r\n`), file.data, Buffer.from('\r\n'))
    }
    parts.push(Buffer.from(`--${boundary}--\r\n`))
    return this.remember(await this.app.inject({
      method: 'POST', url, remoteAddress: this.ip, payload: Buffer.concat(parts),
      headers: { cookie: this.cookieHeader, 'content-type': `multipart/form-data; boundary=${boundary}` }
    }))
  }

  async login (login: string, password: string): Promise<LightMyRequestResponse> {
    const response = await this.submit('/login', '/login', { login, password })
    if (response.statusCode !== 303) throw new Error(`login as ${login} failed with ${response.statusCode}`)
    return response
  }
}

export function csrfToken (html: string): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
}

/** The text content of the first element with this class, tags stripped and whitespace folded. */
export function textOfClass (html: string, className: string): string | undefined {
  const match = new RegExp(`<(\\w+)[^>]*class="[^"]*\\b${className}\\b[^"]*"[^>]*>([\\s\\S]*?)</\\1>`).exec(html)
  return match === null ? undefined : decodeEntities(match[2].replace(/<[^>]+>/g, '')).replace(/\s+/g, ' ').trim()
}

export function allTextOfClass (html: string, className: string): string[] {
  const results: string[] = []
  const pattern = new RegExp(`<(\\w+)[^>]*class="[^"]*\\b${className}\\b[^"]*"[^>]*>([\\s\\S]*?)</\\1>`, 'g')
  for (const match of html.matchAll(pattern)) {
    results.push(decodeEntities(match[2].replace(/<[^>]+>/g, '')).replace(/\s+/g, ' ').trim())
  }
  return results
}

export function decodeEntities (text: string): string {
  return text.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}

/** Ids of the posts on a topic page, in page order. */
export function postIds (html: string): number[] {
  return [...html.matchAll(/<article id="post-(\d+)" class="post/g)].map(m => Number(m[1]))
}

/** A visitor logged in through the real login form (every test member has the factories' PASSWORD). */
export async function loggedIn (app: FastifyInstance, name: string, password = 'correct horse battery staple'): Promise<Visitor> {
  const visitor = new Visitor(app)
  await visitor.login(name, password)
  return visitor
}

/** Asserts that every stored count and position is what a recount from the rows makes of it. */
export async function countsHold (t: { same: (found: unknown, wanted: unknown, message: string) => unknown }, app: FastifyInstance, after: string): Promise<void> {
  const snapshot = async () => ({
    topics: await app.db.selectFrom('topics').select(['id', 'post_count', 'visible_post_count', 'reply_count', 'last_post_id', 'last_post_at']).orderBy('id').execute(),
    forums: await app.db.selectFrom('forums').select(['id', 'topic_count', 'post_count', 'last_post_id']).orderBy('id').execute(),
    users: await app.db.selectFrom('users').select(['id', 'post_count']).orderBy('id').execute(),
    posts: await app.db.selectFrom('posts').select(['id', 'position', 'visible_position']).orderBy('id').execute()
  })
  const stored = await snapshot()
  await app.db.transaction().execute(trx => recountAll(trx, {
    topics: stored.topics.map(r => r.id), forums: stored.forums.map(r => r.id), users: stored.users.map(r => r.id)
  }))
  t.same(await snapshot(), stored, `counts hold after ${after}`)
}

/** Posts written straight into the database, many at once (no counts updated), in one transaction. */
export async function insertPosts (app: FastifyInstance, rows: Array<Insertable<Database['posts']>>): Promise<void> {
  await app.db.transaction().execute(async trx => {
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto('posts').values(rows.slice(i, i + 500)).execute()
  })
}

/** SQLite's raw handle, for a test of what only SQLite has (pragmas, its full-text index). */
export function sqliteOf (app: FastifyInstance): NonNullable<FastifyInstance['sqlite']> {
  if (app.sqlite === null) throw new Error('this test step needs SQLite')
  return app.sqlite
}
