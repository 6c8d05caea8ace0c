import { loadConfig, ConfigError } from './config.js'
import { buildApp } from './app.js'
import { seedDemoContent } from './demo.js'
import { rmSync, writeFileSync } from 'node:fs'
import { pidFile } from './backups.js'

async function main (): Promise<void> {
  const config = loadConfig()
  const app = await buildApp(config)
  if (config.demo) {
    const seeded = await seedDemoContent(app.db, app.config)
    if (seeded) {
      app.log.info(`Demo content created to try Kring. Log in as "${seeded.username}" with password "${seeded.password}" (beheerder); ` +
        'the other demo members have passwords of their own. For a real forum start with an empty DATA_DIR and KRING_DEMO=0.')
    }
  }

  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    app.log.info(`${signal}: finishing requests in flight, then closing`)
    const timer = setTimeout(() => { app.log.error('shutdown took too long'); process.exit(1) }, 10_000)
    timer.unref()
    app.close().then(() => {
      rmSync(pidFile(config.dataDir), { force: true })
      process.exit(0)
    }, error => { app.log.error(error); process.exit(1) })
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))

  await app.warmRenderer()
  await app.listen({ port: config.port, host: config.host })
  // So that `kring restore` can tell the forum is running.
  writeFileSync(pidFile(config.dataDir), String(process.pid))
}

main().catch(error => {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error)
  process.exit(1)
})
