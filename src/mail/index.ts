import fp from 'fastify-plugin'
import type { Transporter } from 'nodemailer'
import type { DB } from '../db/index.js'
import { backgroundRounds } from '../lib/rounds.js'
import { claimDueMails, enqueueMail, keepUnsentMails, markMailFailed, markMailSent, releaseMails, type MailContent } from './outbox.js'

declare module 'fastify' {
  interface FastifyInstance {
    mailer: {
      /** Writes a mail to the outbox inside the caller's transaction; call `wake` after it commits. */
      enqueue: (trx: DB, mail: MailContent) => Promise<void>
      /** The host part of Message-IDs: BASE_URL's. */
      host: string
      /** Sends what is due soon, without the caller waiting. */
      wake: () => void
      /** One sending round now; resolves when it is done (for the CLI and tests). */
      flush: () => Promise<void>
    }
  }
}

const ROUND_EVERY_MS = 15_000
/** Mails claimed at a time: few enough to send within their claim (outbox.ts CLAIM_MS) to a slow server. */
const PER_ROUND = 20

/**
 * The outbox worker: mail is written to the outbox with what caused it and sent from here,
 * so a request never waits for SMTP and a crash loses nothing. A mail that fails waits and
 * is tried again (see retryDelayMs). Without SMTP_URL mail stays in the outbox and is logged.
 */
export default fp(async app => {
  // One pooled connection, kept open between mails, however many there are (nodemailer is loaded only with SMTP_URL set).
  const transport: Transporter | null = app.config.smtpUrl
    ? (await import('nodemailer')).default.createTransport(`${app.config.smtpUrl}${app.config.smtpUrl.includes('?') ? '&' : '?'}pool=true&maxConnections=1`)
    : null
  const messageIdHost = new URL(app.config.baseUrl).hostname
  // On close, the round stops after the mail in hand; the rest waits in the outbox.
  async function sendDue (closing: () => boolean): Promise<void> {
    if (transport === null) {
      for (const mail of await keepUnsentMails(app.db)) {
        app.log.info({ mailId: mail.id, to: mail.to_address, subject: mail.subject }, 'mail kept in the outbox: no SMTP_URL set')
      }
      return
    }
    // Until nothing is due: a mail that failed waits for its retry time, so this ends.
    for (let due = await claimDueMails(app.db, PER_ROUND); due.length > 0; due = await claimDueMails(app.db, PER_ROUND)) {
      for (const [i, mail] of due.entries()) {
        if (closing()) return await releaseMails(app.db, due.slice(i).map(m => m.id))
        try {
          await transport.sendMail({
            from: app.config.mailFrom, to: mail.to_address, subject: mail.subject, text: mail.text_body, html: mail.html_body,
            messageId: mail.message_id, headers: { 'Auto-Submitted': 'auto-generated', ...(mail.headers ? JSON.parse(mail.headers) as Record<string, string> : {}) }
          })
          await markMailSent(app.db, mail.id)
        } catch (error) {
          app.log.warn({ err: error, mailId: mail.id }, 'sending a mail failed; it will be tried again')
          await markMailFailed(app.db, mail, error instanceof Error ? error.message : String(error))
        }
      }
    }
  }

  const rounds = backgroundRounds(app, 'outbox', ROUND_EVERY_MS, sendDue)

  app.decorate('mailer', {
    enqueue: (trx: DB, mail: MailContent) => enqueueMail(trx, mail, messageIdHost),
    host: messageIdHost,
    wake: rounds.wake,
    flush: rounds.flush
  })

  app.addHook('onClose', async () => { transport?.close() })
}, { name: 'mail', dependencies: ['database'] })
