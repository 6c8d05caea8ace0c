import pg from 'pg'
import { CHANNELS } from './postgres.js'

export interface OtherProcesses {
  /** Another process made a write a guest may see. */
  onWrites: () => void
  /** A process (this one too) changed a setting. */
  onSettings: () => void
  onError: (error: Error) => void
}

/**
 * Hears what other Kring processes on the same PostgreSQL database tell (see postgres.ts), on a
 * connection of its own, so each process's guest pages and settings follow every process's
 * writes within milliseconds. When the connection drops it connects again, and then acts as if
 * it had heard both: notices sent while it was away are lost.
 */
export function listenToOtherProcesses (url: string, ownSignature: string, handlers: OtherProcesses): { close: () => Promise<void> } {
  let client: pg.Client | null = null
  let closed = false
  let retryMs = 250
  let timer: NodeJS.Timeout | undefined

  async function connect (): Promise<void> {
    const next = new pg.Client({ connectionString: url })
    next.on('notification', notice => {
      // This process's own notices come back too: it counted its writes as it made them. Its own
      // settings are heard, so that what it last loaded follows what it saved.
      if (notice.payload === ownSignature && notice.channel === CHANNELS.writes) return
      if (notice.channel === CHANNELS.writes) handlers.onWrites()
      else if (notice.channel === CHANNELS.settings) handlers.onSettings()
    })
    next.on('error', error => { handlers.onError(error); reconnect(next) })
    next.on('end', () => reconnect(next))
    try {
      await next.connect()
      await next.query(`listen ${CHANNELS.writes}; listen ${CHANNELS.settings}`)
    } catch (error) {
      handlers.onError(error as Error)
      reconnect(next)
      return
    }
    if (closed) { await next.end(); return }
    client = next
    retryMs = 250
  }

  function reconnect (lost: pg.Client): void {
    if (closed || timer !== undefined || (client !== null && client !== lost)) return
    client = null
    lost.end().catch(() => {})
    timer = setTimeout(() => {
      timer = undefined
      handlers.onWrites()
      handlers.onSettings()
      void connect()
    }, retryMs)
    timer.unref()
    retryMs = Math.min(retryMs * 2, 5_000)
  }

  const ready = connect()
  return {
    close: async () => {
      closed = true
      clearTimeout(timer)
      await ready
      await client?.end().catch(() => {})
    }
  }
}
