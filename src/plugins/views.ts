import type { FastifyReply, FastifyRequest } from 'fastify'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import fp from 'fastify-plugin'
import view from '@fastify/view'
import Handlebars from 'handlebars'
import { projectPath } from '../lib/paths.js'

import { hasRole, isSuspended, moderatedForumIds } from '../permissions.js'
import { countModerationWork } from '../models/moderation.js'
import { countUnreadNotifications } from '../models/notifications.js'
import { INDEFINITELY, type User } from '../db/schema.js'
import { initials } from '../lib/avatars.js'
import { fileKind } from '../lib/documents.js'
import { translator, type Translator, type Vars } from '../lib/i18n.js'

declare module 'fastify' {
  interface FastifyInstance {
    i18n: Translator
  }
  interface FastifyReply {
    /** Renders views/<template>.hbs in the layout, with the viewer, CSRF token and translations. */
    page: (template: string, data?: Record<string, unknown>, status?: number) => FastifyReply
    /** After a successful form: 303 to `url`, where a short message (a locale key) says what happened. */
    done: (url: string, message: string, vars?: Vars) => FastifyReply
  }
  interface FastifyRequest {
    /** Texts in the viewer's language (their own setting, or the site's). */
    i18n: Translator
    /** For moderators' pages: what waits for them, shown beside the links in the header. */
    moderationWork: { queued: number, reports: number } | null
    /** For members' pages: notifications not yet read. */
    unreadNotifications: number
  }
}

const FLASH_COOKIE = 'kring_flash'

const root = projectPath('views')

function partialsIn (folder: string): Record<string, string> {
  const partials: Record<string, string> = {}
  for (const file of readdirSync(path.join(root, folder))) {
    if (file.endsWith('.hbs')) partials[file.slice(0, -4)] = path.join(folder, file)
  }
  return partials
}

/**
 * Helpers translate in the language of the page being rendered (the viewer's own, or the
 * site's): reply.page puts that translator at the root of every page's data.
 */
function helpersFor (fallback: Translator): Record<string, Handlebars.HelperDelegate> {
  const of = (options: Handlebars.HelperOptions): Translator => (options.data?.root?.i18n as Translator | undefined) ?? fallback
  return {
    /** {{t "key" name=value}} */
    t: (key: string, options: Handlebars.HelperOptions) => of(options).t(key, options.hash as Vars),
    number: (n: number, options: Handlebars.HelperOptions) => of(options).number(n),
    date: (ms: number, options: Handlebars.HelperOptions) => of(options).date(ms),
    day: (ms: number, options: Handlebars.HelperOptions) => of(options).day(ms),
    ago: (ms: number, options: Handlebars.HelperOptions) => of(options).relative(ms),
    iso: (ms: number) => new Date(ms).toISOString(),
    /** Marks a subforum's depth in a list: "— — Groningen". */
    indent: (depth: number) => '— '.repeat(depth),
    role: (role: string, options: Handlebars.HelperOptions) => of(options).role(role as never),
    urlencode: (text: string) => encodeURIComponent(text),
    concat: (...args: unknown[]) => args.slice(0, -1).join(''),
    eq: (a: unknown, b: unknown) => a === b,
    or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
    and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
    /** The first of its arguments that is not empty: `(either display_name username)`. */
    either: (...args: unknown[]) => args.slice(0, -1).find(Boolean) ?? '',
    array: (...args: unknown[]) => args.slice(0, -1),
    /** "1,2 MB", "340 kB": a file's size in the reader's language. */
    filesize: (bytes: number, options: Handlebars.HelperOptions) => {
      const i18n = of(options)
      return bytes >= 1024 * 1024 ? `${i18n.number(Math.round(bytes / 104857.6) / 10)} MB` : `${i18n.number(Math.max(1, Math.round(bytes / 1024)))} kB`
    },
    /** A file's kind in words: "PDF", "Word", "afbeelding". */
    filetype: (mime: string, options: Handlebars.HelperOptions) => of(options).t(`upload.kind.${fileKind(mime)}`),
    initials: (name: string) => initials(String(name ?? ''))
  }
}

/** A member's suspension as pages show it: until when (null: indefinitely) and why; null when not suspended. */
export function describeSuspension (member: User | null, i18n: Translator): { until: string | null, reason: string | null } | null {
  if (member === null || !isSuspended(member)) return null
  return { until: member.suspended_until === INDEFINITELY ? null : i18n.date(member.suspended_until!), reason: member.suspended_reason }
}

export default fp(async app => {
  const i18n = translator(app.config.locale)
  app.decorate('i18n', i18n)
  const handlebars = Handlebars.create()
  handlebars.registerHelper(helpersFor(i18n))

  await app.register(view, {
    engine: { handlebars },
    root,
    layout: 'layouts/main.hbs',
    viewExt: 'hbs',
    // preventIndent: a partial on an indented line would otherwise indent every line it outputs,
    // the text in a <textarea> (what a member typed) and a post's <pre> blocks included.
    options: { partials: partialsIn('partials'), compileOptions: { preventIndent: true } },
    production: process.env.NODE_ENV !== 'development',
    defaultContext: { lang: app.config.locale, siteName: 'Kring' }
  })

  const secure = app.config.baseUrl.startsWith('https:')
  app.decorateRequest('i18n', { getter () { return i18n } })
  // Callback hooks: a guest's request pays no promise for them.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.viewer?.locale) Object.defineProperty(request, 'i18n', { value: translator(request.viewer.locale) })
    done()
  })
  app.decorateRequest('moderationWork', null)
  app.decorateRequest('unreadNotifications', 0)
  app.addHook('preHandler', (request, _reply, done) => {
    // Pages only: static files and feeds need no counts.
    const viewer = request.viewer
    if (request.method !== 'GET' || viewer === null || request.url.startsWith('/static/') || request.url.endsWith('/feed')) return done()
    void (async () => {
      request.unreadNotifications = await countUnreadNotifications(app.db, viewer.id)
      // A suspended moderator moderates nothing, so has nothing waiting either.
      if (hasRole(viewer, 'moderator') && !isSuspended(viewer)) request.moderationWork = await countModerationWork(app.db, moderatedForumIds(viewer))
    })().then(() => done(), done)
  })

  // The message after a form travels in a signed cookie across the 303 and is shown once.
  app.decorateReply('done', function (url: string, message: string, vars: Vars = {}) {
    this.setCookie(FLASH_COOKIE, JSON.stringify([message, vars]), { path: '/', httpOnly: true, sameSite: 'lax', secure, signed: true, maxAge: 120 })
    return this.redirect(url, 303)
  })

  function takeFlash (request: FastifyRequest, reply: FastifyReply): string | null {
    const raw = request.cookies[FLASH_COOKIE]
    if (raw === undefined) return null
    reply.clearCookie(FLASH_COOKIE, { path: '/' })
    const unsigned = request.unsignCookie(raw)
    if (!unsigned.valid || unsigned.value === null) return null
    try {
      const [message, vars] = JSON.parse(unsigned.value) as [string, Vars]
      return request.i18n.t(message, vars)
    } catch {
      return null
    }
  }

  app.decorateReply('page', function (template: string, data: Record<string, unknown> = {}, status = 200) {
    const request = this.request
    const viewer = request.viewer
    this.code(status).header('content-type', 'text/html; charset=utf-8')
    const flash = takeFlash(request, this)
    // Forms need a token; guests only get one (and its cookie) on pages that have a form.
    const csrf = viewer !== null || data.form === true ? this.generateCsrf({ userInfo: request.csrfUserInfo() } as never) : undefined
    const suspension = describeSuspension(viewer, request.i18n)
    // Views get what they show of the viewer, never the whole row (hash, e-mail).
    const shownViewer = viewer === null ? null : { id: viewer.id, username: viewer.username, role: viewer.role }
    return this.view(template, { ...data, viewer: shownViewer, csrf, path: request.url, canonical: app.config.baseUrl + request.url.split('?')[0], suspension, i18n: request.i18n, lang: request.i18n.locale, isModerator: hasRole(viewer, 'moderator'), isBeheerder: hasRole(viewer, 'beheerder'), profilesShown: viewer !== null || app.settings.profiles_public > 0, flash, work: request.moderationWork, unread: request.unreadNotifications })
  })
}, { name: 'views', dependencies: ['session'] })
