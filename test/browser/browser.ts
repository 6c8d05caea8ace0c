import type { FastifyInstance } from 'fastify'
import { chromium, type Browser } from 'playwright-core'

/** Debian's Chromium (`apt-get install -y chromium`); a test tool never downloads one. */
export const CHROMIUM = '/usr/bin/chromium'

/** The app listening on a free port, and a headless Chromium closed when the test ends. */
export async function serveToBrowser (t: { teardown: (fn: () => unknown) => void }, app: FastifyInstance): Promise<{ origin: string, browser: Browser }> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const origin = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update']
  })
  t.teardown(() => browser.close())
  return { origin, browser }
}
