import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { DB } from '../db/index.js'

type Counted = (error: Error | null, result?: { current: number, ttl: number }) => void

/** Rows whose window began longer ago than this are removed now and then (the longest limit's window is an hour). */
const KEPT_MS = 2 * 3600_000
const PURGE_EVERY = 1000

/**
 * A store for @fastify/rate-limit that counts in the database, so every Kring process on one
 * PostgreSQL database counts the same hits (its own store counts per process). One upsert per
 * check: a window that has ended starts again at 1.
 */
export function databaseRateLimitStore (db: DB, onError: (error: Error) => void): FastifyRateLimitStoreCtor {
  let checks = 0
  // The plugin passes each limit's window to incr; its type declarations leave that argument out.
  return class DatabaseRateLimitStore {
    incr (key: string, counted: Counted, timeWindow: number): void {
      const now = Date.now()
      db.insertInto('rate_limits').values({ key, hits: 1, window_started_at: now })
        .onConflict(oc => oc.column('key').doUpdateSet(eb => {
          const ended = eb(eb('rate_limits.window_started_at', '+', timeWindow), '<=', now)
          return {
            hits: eb.case().when(ended).then(1).else(eb('rate_limits.hits', '+', 1)).end(),
            window_started_at: eb.case().when(ended).then(now).else(eb.ref('rate_limits.window_started_at')).end()
          }
        }))
        .returning(['hits', 'window_started_at'])
        .executeTakeFirstOrThrow()
        .then(row => counted(null, { current: row.hits, ttl: row.window_started_at + timeWindow - now }), counted)
      if (++checks % PURGE_EVERY === 0) {
        db.deleteFrom('rate_limits').where('window_started_at', '<', now - KEPT_MS).execute().catch(onError)
      }
    }

    /** One table serves every limit: the key names the limit. */
    child (): this { return this }
  } as unknown as FastifyRateLimitStoreCtor
}
