import path from 'node:path'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import fp from 'fastify-plugin'
import { MessageChannel } from 'node:worker_threads'
import { Piscina } from 'piscina'
import { mentionCandidates, type Rendered } from '../lib/markdown.js'
import type { RenderTask } from './worker.js'
import { findMembersByKeys } from '../models/users.js'

/** Why a body could not be rendered: a locale key for the form, and the answer's status. */
export type RenderRefusal = { ok: false, error: 'form.too_complex' | 'form.render_busy', status: 400 | 429 | 503 }
export type RenderOutcome = ({ ok: true } & Rendered) | RenderRefusal

declare module 'fastify' {
  interface FastifyInstance {
    /** Renders a post body off the event loop, within a time limit; `writer.id` is the member who sent it. */
    renderBody: (source: string, writer: { id: number, trusted: boolean }) => Promise<RenderOutcome>
    /** Starts a render thread now rather than at the first post (the server does this before it listens). */
    warmRenderer: () => Promise<void>
  }
}

export interface RenderLimits {
  /** A render still running after this is stopped (its thread is ended) and the body refused as too complex. */
  timeLimitMs: number
  /** Renders waiting for a thread; past this, posting answers "busy, try again". */
  maxWaiting: number
  /** After a refused body, the same member's next render waits this long. */
  cooldownMs: number
}

/**
 * A thread renders one post at a time, so it needs little memory; without limits V8 would let
 * each thread's heap grow to the size of the whole server's. A body that needs more than this
 * ends its thread and is refused as too complex, like one that takes too long.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 }

const RENDER_LIMITS: RenderLimits = { timeLimitMs: 1500, maxWaiting: 100, cooldownMs: 10_000 }

// The worker is a .ts file under the test runner and a .js file once built. Threads get only
// the loader they need, not whatever instrumentation the parent process was started with.
const extension = path.extname(fileURLToPath(import.meta.url))
const workerFile = new URL(`./worker${extension}`, import.meta.url).href
const workerExecArgv = extension === '.ts' ? ['--import', 'tsx'] : []

/**
 * Markdown is parsed in worker threads, never on the event loop: a body built to make the
 * parser take seconds (or overflow its stack) costs one thread until the time limit ends it,
 * while every other request goes on. One render runs per member at a time.
 */
export default fp(async (app, limits: Partial<RenderLimits>) => {
  const { timeLimitMs, maxWaiting, cooldownMs } = { ...RENDER_LIMITS, ...limits }
  // One core stays with the server; the pool starts threads only when there is something to render.
  const threads = Math.max(1, availableParallelism() - 1)
  const pool = new Piscina({ filename: workerFile, execArgv: workerExecArgv, minThreads: 0, maxThreads: threads, idleTimeout: 10 * 60_000, resourceLimits: WORKER_LIMITS })
  const inFlight = new Set<number>()
  const cooldownUntil = new Map<number, number>()
  // Renders wait here for a free thread; past maxWaiting, new ones are turned away.
  let running = 0
  const waiting: Array<() => void> = []

  async function runInPool (task: RenderTask): Promise<Rendered> {
    if (running >= threads) await new Promise<void>(resolve => waiting.push(resolve))
    running++
    // The clock starts when the thread says it has begun, so neither waiting nor a thread's start-up counts.
    const { port1: started, port2 } = new MessageChannel()
    const abort = new AbortController()
    let timer: NodeJS.Timeout | undefined
    started.once('message', () => { timer = setTimeout(() => abort.abort(), timeLimitMs) })
    try {
      return await pool.run({ ...task, started: port2 }, { transferList: [port2], signal: abort.signal }) as Rendered
    } finally {
      clearTimeout(timer)
      started.close()
      running--
      waiting.shift()?.()
    }
  }

  app.decorate('renderBody', async (source: string, writer: { id: number, trusted: boolean }): Promise<RenderOutcome> => {
    const now = Date.now()
    if (inFlight.has(writer.id) || (cooldownUntil.get(writer.id) ?? 0) > now) return { ok: false, error: 'form.render_busy', status: 429 }
    if (running >= threads && waiting.length >= maxWaiting) return { ok: false, error: 'form.render_busy', status: 503 }
    inFlight.add(writer.id)
    try {
      const members = await findMembersByKeys(app.db, mentionCandidates(source))
      const rendered = await runInPool({ source, options: { members, trusted: writer.trusted } })
      return { ok: true, ...rendered }
    } catch (error) {
      // A time-out or any failure of the parser: the member gets the form back with the text.
      app.log.warn({ err: error, memberId: writer.id, length: source.length }, 'post body refused by the renderer')
      cooldownUntil.set(writer.id, Date.now() + cooldownMs)
      return { ok: false, error: 'form.too_complex', status: 400 }
    } finally {
      inFlight.delete(writer.id)
      for (const [id, until] of cooldownUntil) if (until <= now) cooldownUntil.delete(id)
    }
  })

  app.decorate('warmRenderer', async () => {
    await runInPool({ source: '', options: { members: new Map(), trusted: false } })
  })

  app.addHook('onClose', async () => { await pool.destroy() })
}, { name: 'render', dependencies: ['database'] })
