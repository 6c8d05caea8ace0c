import type { Translator } from '../lib/i18n.js'
import type { MailContent } from './outbox.js'

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, ch => `&#${ch.charCodeAt(0)};`)

/**
 * A mail of paragraphs and one button-like link, as plain text and as HTML. Every text is
 * from the locale files; names and links are escaped in the HTML part.
 */
function compose (to: string, subject: string, paragraphs: string[], link: { label: string, url: string }, footer: string): MailContent {
  const text = [...paragraphs, `${link.label}:\n${link.url}`, `-- \n${footer}`].join('\n\n') + '\n'
  const html = '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">' +
    paragraphs.map(p => `<p>${escapeHtml(p)}</p>`).join('') +
    `<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>` +
    `<p style="color:#666;font-size:90%">${escapeHtml(footer)}</p></body></html>`
  return { to, subject, text, html }
}

/** The mails about a member's own account; links are absolute from BASE_URL, never from a request's Host. */
export function accountMails (i18n: Translator, baseUrl: string) {
  const footer = i18n.t('mail.footer', { site: baseUrl })
  return {
    confirmAddress: (to: string, username: string, token: string): MailContent => compose(to, i18n.t('mail.confirm_subject'),
      [i18n.t('mail.greeting', { name: username }), i18n.t('mail.confirm_body'), i18n.t('mail.confirm_ignore')],
      { label: i18n.t('mail.confirm_link'), url: `${baseUrl}/confirm/${token}` }, footer),
    addressTaken: (to: string, username: string): MailContent => compose(to, i18n.t('mail.taken_subject'),
      [i18n.t('mail.greeting', { name: username }), i18n.t('mail.taken_body'), i18n.t('mail.taken_ignore')],
      { label: i18n.t('mail.taken_link'), url: `${baseUrl}/login` }, footer),
    resetPassword: (to: string, username: string, token: string): MailContent => compose(to, i18n.t('mail.reset_subject'),
      [i18n.t('mail.greeting', { name: username }), i18n.t('mail.reset_body'), i18n.t('mail.reset_ignore')],
      { label: i18n.t('mail.reset_link'), url: `${baseUrl}/password/reset/${token}` }, footer),
    passwordForImported: (to: string, username: string, token: string): MailContent => compose(to, i18n.t('mail.imported_subject'),
      [i18n.t('mail.greeting', { name: username }), i18n.t('mail.imported_body', { site: baseUrl })],
      { label: i18n.t('mail.imported_link'), url: `${baseUrl}/password/reset/${token}` }, footer),
    confirmNewAddress: (to: string, username: string, token: string): MailContent => compose(to, i18n.t('mail.new_address_subject'),
      [i18n.t('mail.greeting', { name: username }), i18n.t('mail.new_address_body'), i18n.t('mail.confirm_ignore_change')],
      { label: i18n.t('mail.confirm_link'), url: `${baseUrl}/account/email/${token}` }, footer),
    addressChanging: (to: string, username: string, newAddress: string): MailContent => compose(to, i18n.t('mail.old_address_subject'),
      [i18n.t('mail.greeting', { name: username }), i18n.t('mail.old_address_body', { address: newAddress }), i18n.t('mail.old_address_not_you')],
      { label: i18n.t('mail.reset_link'), url: `${baseUrl}/password/forgot` }, footer),
    exportReady: (to: string, username: string, until: number): MailContent => compose(to, i18n.t('mail.export_subject'),
      [i18n.t('mail.greeting', { name: username }), i18n.t('mail.export_body', { date: i18n.date(until) })],
      { label: i18n.t('mail.export_link'), url: `${baseUrl}/account/export` }, footer),
    erasureAsked: (to: string, username: string, at: number): MailContent => compose(to, i18n.t('mail.erasure_subject'),
      [i18n.t('mail.greeting', { name: username }), i18n.t('mail.erasure_body', { date: i18n.date(at) }), i18n.t('mail.erasure_cancel')],
      { label: i18n.t('mail.erasure_link'), url: `${baseUrl}/login` }, footer)
  }
}

export interface PostMailInput {
  to: string
  kind: string
  actor: string
  topicTitle: string
  isReply: boolean
  bodyMd: string
  bodyHtml: string
  postUrl: string
  unsubscribeUrl: string
}

/** A mail about a post: why it came, the post itself (text and HTML), a link to it, and how to stop these mails. */
export function postMail (i18n: Translator, baseUrl: string, input: PostMailInput): MailContent {
  const why = i18n.t(`mail.why_${input.kind}`, { name: input.actor, topic: input.topicTitle })
  const footer = `${i18n.t('mail.footer', { site: baseUrl })} ${i18n.t('mail.unsubscribe')}: ${input.unsubscribeUrl}`
  const subject = `${input.isReply ? 'Re: ' : ''}${input.topicTitle}`
  const text = [why, input.bodyMd, `${i18n.t('mail.open_post')}:\n${input.postUrl}`, `-- \n${footer}`].join('\n\n') + '\n'
  // The post's HTML links to the forum relatively; in a mail they must be absolute.
  const body = input.bodyHtml.replace(/(href|src)="\//g, `$1="${escapeHtml(baseUrl)}/`)
  const html = '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">' +
    `<p style="color:#555">${escapeHtml(why)}</p><div>${body}</div>` +
    `<p><a href="${escapeHtml(input.postUrl)}">${escapeHtml(i18n.t('mail.open_post'))}</a></p>` +
    `<p style="color:#666;font-size:90%">${escapeHtml(i18n.t('mail.footer', { site: baseUrl }))} ` +
    `<a href="${escapeHtml(input.unsubscribeUrl)}">${escapeHtml(i18n.t('mail.unsubscribe'))}</a></p></body></html>`
  return { to: input.to, subject, text, html }
}

export interface DigestInput {
  to: string
  username: string
  period: 'daily' | 'weekly'
  followed: Array<{ title: string, slug: string, count: number }>
  popular: Array<{ title: string, slug: string, count: number }>
  unsubscribeUrl: string
}

/** The daily or weekly digest: new posts in what the member follows, or else the busiest topics. */
export function digestMail (i18n: Translator, baseUrl: string, input: DigestInput): MailContent {
  const lines = input.followed.length > 0 ? input.followed : input.popular
  const intro = i18n.t(input.followed.length > 0 ? `mail.digest_followed_${input.period}` : `mail.digest_popular_${input.period}`)
  const item = (line: { title: string, count: number }): string => i18n.t('mail.digest_line', { title: line.title, count: line.count })
  const text = [i18n.t('mail.greeting', { name: input.username }), intro,
    lines.map(line => `- ${item(line)}\n  ${baseUrl}/topic/${line.slug}`).join('\n'),
    `-- \n${i18n.t('mail.footer', { site: baseUrl })} ${i18n.t('mail.unsubscribe')}: ${input.unsubscribeUrl}`].join('\n\n') + '\n'
  const html = '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">' +
    `<p>${escapeHtml(i18n.t('mail.greeting', { name: input.username }))}</p><p>${escapeHtml(intro)}</p><ul>` +
    lines.map(line => `<li><a href="${escapeHtml(`${baseUrl}/topic/${line.slug}`)}">${escapeHtml(item(line))}</a></li>`).join('') +
    `</ul><p style="color:#666;font-size:90%">${escapeHtml(i18n.t('mail.footer', { site: baseUrl }))} ` +
    `<a href="${escapeHtml(input.unsubscribeUrl)}">${escapeHtml(i18n.t('mail.unsubscribe'))}</a></p></body></html>`
  return { to: input.to, subject: i18n.t(`mail.digest_subject_${input.period}`), text, html }
}

export interface ReminderInput { to: string, username: string, title: string, when: string, place: string, url: string }

/** The day before an event: when and where, for a member who said they would go. */
export function eventReminderMail (i18n: Translator, baseUrl: string, input: ReminderInput): MailContent {
  return compose(input.to, i18n.t('mail.reminder_subject', { title: input.title }), [
    i18n.t('mail.greeting', { name: input.username }), i18n.t('mail.reminder_body', { title: input.title }), input.when,
    ...(input.place === '' ? [] : [`${i18n.t('event.place')}: ${input.place}`]), i18n.t('mail.reminder_cancel')
  ], { label: i18n.t('mail.reminder_link'), url: input.url }, i18n.t('mail.footer', { site: baseUrl }))
}

/** A reply by mail that could not be posted: why, and the text, so nothing typed is lost. */
export function replyRefusedMail (i18n: Translator, baseUrl: string, to: string, reason: string, body: string, subject: string): MailContent {
  const paragraphs = [i18n.t('mail_in.refused_intro'), reason, ...(body ? [i18n.t('mail_in.your_text'), body] : [])]
  return compose(to, `${i18n.t('mail_in.refused_subject')}: ${subject}`.slice(0, 200), paragraphs, { label: i18n.t('mail.open_forum'), url: baseUrl }, i18n.t('mail.footer', { site: baseUrl }))
}
