import fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify'
import { createServer } from 'node:http'
import formbody from '@fastify/formbody'
import staticFiles from '@fastify/static'
import type { Config } from './config.js'
import { projectPath } from './lib/paths.js'
import { translator } from './lib/i18n.js'
import database from './plugins/database.js'
import security, { cspHeader } from './plugins/security.js'
import session from './plugins/session.js'
import views from './plugins/views.js'
import errors from './plugins/errors.js'
import pageCache from './plugins/page-cache.js'
import render from './render/index.js'
import mail from './mail/index.js'
import notifier from './notifications/index.js'
import inboundSmtp from './mail/inbound-smtp.js'
import forumRoutes from './routes/forums.js'
import topicRoutes from './routes/topics.js'
import postRoutes from './routes/posts.js'
import accountRoutes from './routes/accounts.js'
import registrationRoutes from './routes/registration.js'
import passwordRoutes from './routes/password.js'
import accountSettingsRoutes from './routes/account-settings.js'
import userRoutes from './routes/users.js'
import moderationRoutes from './routes/moderation.js'
import adminRoutes from './routes/admin.js'
import notificationRoutes from './routes/notifications.js'
import keepingUpRoutes from './routes/keeping-up.js'
import feedRoutes from './routes/feeds.js'
import searchRoutes from './routes/search.js'
import groupRoutes from './routes/groups.js'
import profileRoutes from './routes/profiles.js'
import directoryRoutes from './routes/directory.js'
import attachmentRoutes from './routes/attachments.js'
import writingRoutes from './routes/writing.js'
import gatheringRoutes from './routes/gatherings.js'
import legacyUrlRoutes from './routes/legacy-urls.js'
import memberData from './member-data/index.js'
import memberDataRoutes from './routes/member-data.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export const BODY_LIMIT = 1024 * 1024

/** Builds the whole forum; starting it to listen is server.ts's job. */
export async function buildApp (config: Config): Promise<FastifyInstance> {
  const app = fastify({
    // A guest's page kept from before is answered as the request arrives, before any routing or
    // hook (plugins/page-cache.ts); the server is otherwise the one fastify would make.
    serverFactory: (handler, options) => {
      const server = createServer((request, response) => {
        if (!app.answerFromGuestPages(request, response)) handler(request, response)
      })
      // The timeouts fastify sets on a server it makes itself (its defaults are filled in by now).
      const timeouts = options as { keepAliveTimeout: number, requestTimeout: number, connectionTimeout: number }
      server.keepAliveTimeout = timeouts.keepAliveTimeout
      server.requestTimeout = timeouts.requestTimeout
      server.setTimeout(timeouts.connectionTimeout)
      return server
    },
    // JSON lines for a log collector; readable lines when a person runs it in a terminal.
    logger: config.logLevel === 'silent' ? false : {
      level: config.logLevel,
      ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {})
    },
    // One line per answer (below), not fastify's two with the whole request and reply.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true },
    // A URL fastify cannot even route (bad percent-encoding) is answered before any plugin runs:
    // a plain page in the forum's language, not the framework's JSON.
    frameworkErrors: (error, request, untypedReply) => {
      request.log.info({ err: error }, 'unroutable request')
      const reply = untypedReply as unknown as FastifyReply
      const i18n = translator(config.locale)
      reply.header('content-security-policy', cspHeader())
      reply.header('x-content-type-options', 'nosniff')
      reply.header('referrer-policy', 'same-origin')
      reply.code(400).type('text/html; charset=utf-8').send(`<!doctype html><html lang="${config.locale}"><meta charset="utf-8">` +
        `<title>${i18n.t('error.title_400')}</title><h1>${i18n.t('error.title_400')}</h1><p>${i18n.t('error.bad_request')}</p>` +
        `<p><a href="/">${i18n.t('nav.home')}</a></p></html>`)
    }
  })
  app.decorate('config', config)

  // While closing, answers still in flight end their keep-alive connection, so close() need not wait for idle clients.
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close')
  })
  // An answer whose headers went out just before closing began still said keep-alive. Node closes
  // idle connections once, when close() starts; that answer's connection turns idle only once it is
  // sent, and close() would then wait for the client to hang up (up to the 72 s keep-alive timeout).
  app.addHook('onResponse', async () => {
    if (closing) app.server.closeIdleConnections()
  })

  app.addHook('onResponse', (request, reply, done) => {
    request.log.info({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'answered')
    done()
  })

  await app.register(database)
  // Work outside request → response: rendering posts off the event loop, the outbox, notifications, mail in.
  await app.register(render, { timeLimitMs: config.renderTimeLimitMs })
  await app.register(mail)
  await app.register(notifier)
  // Members' exports made, and erasures done, in the background (src/member-data/).
  await app.register(memberData)
  await app.register(inboundSmtp)
  await app.register(security)
  await app.register(formbody, { bodyLimit: BODY_LIMIT })
  await app.register(session)
  await app.register(views)
  await app.register(errors)
  // A guest's page is kept for the next guest until a write may change it (plugins/page-cache.ts).
  await app.register(pageCache)
  await app.register(staticFiles, { root: projectPath('static'), prefix: '/static/', maxAge: '1d' })
  // A forum moved from bbPress: its old addresses answer 301 to the same content here (`kring import-bbpress`).
  await app.register(legacyUrlRoutes)

  await app.register(forumRoutes)
  await app.register(topicRoutes)
  await app.register(postRoutes)
  await app.register(accountRoutes)
  await app.register(registrationRoutes)
  await app.register(passwordRoutes)
  await app.register(accountSettingsRoutes)
  await app.register(userRoutes)
  await app.register(moderationRoutes)
  await app.register(adminRoutes)
  await app.register(notificationRoutes)
  await app.register(keepingUpRoutes)
  await app.register(feedRoutes)
  await app.register(searchRoutes)
  // The network: groups (who reads which forum is decided in models/readable.ts), profiles and
  // avatars, the member directory, files attached to posts. Forms with files take multipart in
  // scopes of their own (lib/uploads.ts).
  await app.register(groupRoutes)
  await app.register(profileRoutes)
  await app.register(directoryRoutes)
  await app.register(attachmentRoutes)
  // Writing and gatherings: deleting, "Nuttig" and drafts (quotes and previews live in the post forms).
  await app.register(writingRoutes)
  // Gatherings: events with answers and calendars (times and repetitions in src/events/), proposals with votes.
  await app.register(gatheringRoutes)
  // The member's data in their hands: their export and erasure.
  await app.register(memberDataRoutes)
  return app
}
