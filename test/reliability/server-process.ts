import { spawn, type ChildProcess } from 'node:child_process'
import { loadConfig } from '../../src/config.js'
import { openConfiguredDatabase } from '../../src/db/open.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { projectPath } from '../../src/lib/paths.js'
import { hashPassword } from '../../src/lib/passwords.js'
import { createForum } from '../../src/models/forums.js'
import { createTopic } from '../../src/models/topics.js'
import { createUser } from '../../src/models/users.js'
import { saveSetting } from '../../src/models/settings.js'

export const PASSWORD = 'correct horse battery staple'

/**
 * A data folder (and database: the SQLite file in it, or `databaseUrl`) with a forum, one topic
 * and `members` members, ready for a real server process started with `env`.
 */
export async function prepareData (dataDir: string, members: number, options: { passwordCost?: number, databaseUrl?: string | null } = {}): Promise<{ topicSlug: string, usernames: string[], env: Record<string, string> }> {
  const databaseUrl = options.databaseUrl ?? null
  const { db } = openConfiguredDatabase(loadConfig({}, { dataDir, databaseUrl }), { info: () => {}, error: () => {} })
  try {
    await migrateToLatest(db)
    // Members here post as fast as they can: the posting limits are not under test.
    await saveSetting(db, 'limit_lid_seconds', 0)
    await saveSetting(db, 'limit_lid_first_day_topics', 1_000_000)
    const hash = await hashPassword(PASSWORD, options.passwordCost ?? 10)
    const usernames: string[] = []
    for (let i = 1; i <= members; i++) {
      const user = await createUser(db, { username: `lid${i}`, email: `lid${i}@example.org`, passwordHash: hash })
      usernames.push(user.username)
    }
    const forum = await createForum(db, { name: 'Algemeen' })
    const first = await db.selectFrom('users').select(['id', 'role']).executeTakeFirstOrThrow()
    const { topic } = await createTopic(db, { forumId: forum.id, authorId: first.id, title: 'Onder belasting', bodyMd: 'Start', bodyHtml: '<p>Start</p>' })
    return { topicSlug: topic.slug, usernames, env: databaseUrl === null ? {} : { DATABASE_URL: databaseUrl } }
  } finally {
    await db.destroy()
  }
}

export interface ServerProcess {
  child: ChildProcess
  baseUrl: string
  output: () => string
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

export interface SpawnedServer extends Omit<ServerProcess, 'baseUrl'> {
  /** The base URL once the server listens; rejects when it exits first or has not started in 30 s. */
  listening: Promise<string>
}

/** Starts `src/server.ts` as its own process without waiting for it, for a signal at any moment of its start. */
export function spawnServer (dataDir: string, env: Record<string, string> = {}): SpawnedServer {
  const child = spawn(process.execPath, ['--import', 'tsx', projectPath('src', 'server.ts')], {
    cwd: projectPath(),
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', KRING_DEMO: '0', TRUST_PROXY: '1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => {
    child.on('exit', (code, signal) => resolve({ code, signal }))
  })
  const listening = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match) resolve(match[1])
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    exited.then(() => reject(new Error(`server exited before listening:\n${output}`)))
    setTimeout(() => reject(new Error(`server did not start in 30 s:\n${output}`)), 30_000).unref()
  })
  listening.catch(() => {}) // a server stopped while starting never listens: that is for the caller to judge
  return { child, output: () => output, exited, listening }
}

/** Starts `src/server.ts` as its own process and resolves once it listens and its render thread is ready (posts are answered at once). */
export async function startServer (dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const { listening, ...server } = spawnServer(dataDir, env)
  const baseUrl = await listening
  while (!server.output().includes('render thread ready')) {
    if (server.child.exitCode !== null) throw new Error(`server exited while starting:\n${server.output()}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  return { ...server, baseUrl }
}

function cookiesFrom (response: Response, jar: Map<string, string>): void {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';')
    const at = pair.indexOf('=')
    jar.set(pair.slice(0, at), pair.slice(at + 1))
  }
}

/** A member talking to a real server over HTTP, from an address of their own (X-Forwarded-For, TRUST_PROXY=1). */
export class HttpMember {
  readonly jar = new Map<string, string>()
  token = ''
  constructor (readonly baseUrl: string, readonly username: string, readonly ip: string) {}

  private headers (extra: Record<string, string> = {}): Record<string, string> {
    return { cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '), 'x-forwarded-for': this.ip, ...extra }
  }

  async get (url: string): Promise<Response> {
    const response = await fetch(this.baseUrl + url, { headers: this.headers(), redirect: 'manual' })
    cookiesFrom(response, this.jar)
    return response
  }

  async post (url: string, fields: Record<string, string>): Promise<Response> {
    const response = await fetch(this.baseUrl + url, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded' }),
      body: new URLSearchParams({ _csrf: this.token, ...fields }),
      redirect: 'manual'
    })
    cookiesFrom(response, this.jar)
    return response
  }

  async refreshToken (page: string): Promise<void> {
    const html = await (await this.get(page)).text()
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
    if (!token) throw new Error(`no CSRF token on ${page}`)
    this.token = token
  }

  async login (): Promise<void> {
    await this.refreshToken('/login')
    const response = await this.post('/login', { login: this.username, password: PASSWORD })
    if (response.status !== 303) throw new Error(`login of ${this.username} answered ${response.status}`)
    await this.refreshToken('/')
  }

  /** Resolves to true only when the server acknowledged the reply (303). */
  async reply (topicSlug: string, body: string): Promise<boolean> {
    const response = await this.post(`/topic/${topicSlug}/reply`, { body })
    return response.status === 303
  }

  /** Replies in a loop until stopped or the server goes away; returns the acknowledged bodies. */
  async replyUntil (topicSlug: string, prefix: string, stop: () => boolean, acknowledged: string[]): Promise<void> {
    for (let n = 0; !stop(); n++) {
      const body = `${prefix}-${n}`
      try {
        if (await this.reply(topicSlug, body)) acknowledged.push(body)
      } catch {
        return // connection refused or reset: the server is gone
      }
    }
  }
}
