import type { FastifyInstance } from 'fastify'

/**
 * Background work done in rounds, one at a time: `wake` asks for a round soon (a wake during
 * a round runs one more after it), `flush` runs one now and waits, and once the server listens
 * a round runs every `everyMs`. On close the work is told to stop (`closing()` turns true)
 * and the round in hand is awaited. What the work has not done waits in the database.
 */
export function backgroundRounds (app: FastifyInstance, name: string, everyMs: number, work: (closing: () => boolean) => Promise<void>): { wake: () => void, flush: () => Promise<void> } {
  let round: Promise<void> | null = null
  let again = false
  let closing = false

  function run (): Promise<void> {
    if (round) {
      again = true
      return round
    }
    round = work(() => closing).catch(error => { app.log.error({ err: error }, `the ${name} round failed`) }).finally(() => {
      round = null
      if (again && !closing) {
        again = false
        void run()
      }
    })
    return round
  }

  let timer: NodeJS.Timeout | undefined
  app.addHook('onListen', async () => {
    void run()
    timer = setInterval(() => { void run() }, everyMs)
    timer.unref()
  })
  app.addHook('onClose', async () => {
    clearInterval(timer)
    closing = true
    while (round) await round
  })

  return {
    wake: () => { setImmediate(() => { void run() }) },
    flush: async () => {
      while (round) await round
      await run()
    }
  }
}
