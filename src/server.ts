import type { FastifyInstance } from 'fastify'
import { loadConfig, ConfigError } from './config.js'
import { buildApp } from './app.js'
import { seedDemoContent } from './demo.js'
import { rmSync, writeFileSync } from 'node:fs'
import { pidFile } from './backups.js'

async function main (): Promise<void> {
  // A signal may come at any moment, also while the forum is still starting. The handlers are
  // there before anything is opened. During the start a signal only asks to stop: the step in
  // hand is let finish and the rest skipped, because app.close() beside warmRenderer() ends the
  // render pool under it (exit 1), and beside listen() lets the port open after the database
  // was closed.
  let signalled: string | null = null
  let app: FastifyInstance | undefined
  let close: (() => void) | undefined
  const stopAsked = (): boolean => signalled !== null
  const shutdown = (signal: string): void => {
    if (signalled !== null) return
    signalled = signal
    // Whatever hangs, the process ends.
    const timer = setTimeout(() => {
      if (app) app.log.error('shutdown took too long')
      else console.error('shutdown took too long')
      process.exit(1)
    }, 10_000)
    timer.unref()
    close?.()
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))

  const config = loadConfig()
  app = await buildApp(config)
  if (config.demo && !stopAsked()) {
    const seeded = await seedDemoContent(app.db, app.config)
    if (seeded) {
      app.log.info(`Demo content created to try Kring. Log in as "${seeded.username}" with password "${seeded.password}" (beheerder); ` +
        'the other demo members have passwords of their own. For a real forum start with an empty DATA_DIR and KRING_DEMO=0.')
    }
  }
  if (!stopAsked()) {
    // The render thread starts on another core while this one gets ready to answer (a post in the
    // first moments waits for it); both finish before a close.
    await Promise.all([app.warmRenderer().then(() => app!.log.info('render thread ready')), app.listen({ port: config.port, host: config.host })])
    // So that `kring restore` can tell the forum is running. Those commands work on the SQLite file
    // only; on PostgreSQL several processes may share one DATA_DIR, and one file would name only one.
    if (config.databaseUrl === null) writeFileSync(pidFile(config.dataDir), String(process.pid))
  }

  const started = app
  close = () => {
    started.log.info(`${signalled}: finishing requests in flight, then closing`)
    started.close().then(() => {
      rmSync(pidFile(config.dataDir), { force: true })
      process.exit(0)
    }, error => { started.log.error(error); process.exit(1) })
  }
  // A signal that came during the start closes the forum now.
  if (stopAsked()) close()
}

main().catch(error => {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error)
  process.exit(1)
})
