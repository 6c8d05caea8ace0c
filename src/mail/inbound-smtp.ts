import fp from 'fastify-plugin'
import { MAX_INBOUND_BYTES } from './reply-keys.js'

/**
 * With INBOUND_SMTP_PORT set, Kring takes mail in itself: an MTA (Postfix, say) hands replies
 * over by SMTP on this machine. A mail Kring will not take is answered 550 with the reason.
 */
export default fp(async app => {
  const port = app.config.inboundSmtpPort
  if (port === null) return
  // Loaded only when mail comes in this way: a forum without it starts without them.
  const { SMTPServer } = await import('smtp-server')
  const { receiveMail } = await import('./inbound.js')
  const server = new SMTPServer({
    name: new URL(app.config.baseUrl).hostname,
    banner: 'Kring mail in',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_INBOUND_BYTES,
    logger: false,
    onData (stream, session, callback) {
      const chunks: Buffer[] = []
      let size = 0
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size <= MAX_INBOUND_BYTES) chunks.push(chunk)
      })
      stream.on('end', () => {
        if (size > MAX_INBOUND_BYTES) return callback(Object.assign(new Error('mail too large'), { responseCode: 552 }))
        receiveMail(app, Buffer.concat(chunks), session.envelope.rcptTo.map(r => r.address)).then(outcome => {
          app.log.info({ outcome }, 'mail in')
          if (outcome.status === 'rejected') return callback(Object.assign(new Error(outcome.reason), { responseCode: 550 }))
          callback()
        }, error => {
          app.log.error({ err: error }, 'mail in failed')
          callback(Object.assign(new Error('try again later'), { responseCode: 451 }))
        })
      })
    }
  })
  // Started when the app is ready (listen awaits that), so it takes mail as soon as the forum answers.
  app.addHook('onReady', async () => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, app.config.host, () => resolve())
    })
    app.log.info(`Mail in listening on ${app.config.host}:${(server.server.address() as { port: number }).port}`)
  })
  app.addHook('onClose', async () => { await new Promise<void>(resolve => server.close(() => resolve())) })
  app.decorate('inboundSmtpPort', () => (server.server.address() as { port: number } | null)?.port ?? null)
}, { name: 'inbound-smtp', dependencies: ['notifier'] })

declare module 'fastify' {
  interface FastifyInstance {
    /** The port the mail-in listener got (for INBOUND_SMTP_PORT=0 in tests). */
    inboundSmtpPort?: () => number | null
  }
}
