import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { allTextOfClass, buildTestApp, loggedIn, textOfClass, Visitor } from '../helper.js'
import { makeForum, makeMember } from '../factories.js'
import { smtpSink, linkIn } from '../mail/smtp-sink.js'

const BASE_URL = 'https://forum.example.org'

async function startTopic (app: FastifyInstance, visitor: Visitor, forumSlug: string, title: string, body = 'Eerste bericht'): Promise<string> {
  const response = await visitor.submit(`/forum/${forumSlug}/new`, `/forum/${forumSlug}/new`, { title, body })
  if (response.statusCode !== 303) throw new Error(`new topic answered ${response.statusCode}`)
  await app.notifier.flush()
  return String(response.headers.location).split('/topic/')[1]
}

async function reply (app: FastifyInstance, visitor: Visitor, slug: string, body: string): Promise<number> {
  const response = await visitor.submit(`/topic/${slug}`, `/topic/${slug}/reply`, { body })
  if (response.statusCode !== 303) throw new Error(`reply answered ${response.statusCode}`)
  await app.notifier.flush()
  return Number(/#post-(\d+)/.exec(String(response.headers.location))![1])
}

/** The notifications listed on a page, as text. */
const listed = (html: string): string[] => allTextOfClass(html.split('<main')[1] ?? '', 'notification')

const kinds = async (app: FastifyInstance, username: string) => (await app.db.selectFrom('notifications')
  .innerJoin('users', 'users.id', 'notifications.user_id').select(['notifications.kind', 'notifications.post_id'])
  .where('users.username', '=', username).orderBy('notifications.id').execute())

t.test('replies, mentions and follows become notifications; one per post; opening one reads it', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  for (const name of ['jan', 'piet', 'els', 'kees']) await makeMember(app, name)
  const jan = await loggedIn(app, 'jan')
  const piet = await loggedIn(app, 'piet')
  const els = await loggedIn(app, 'els')
  const kees = await loggedIn(app, 'kees')
  t.equal((await kees.submit(`/forum/${forum.slug}`, `/forum/${forum.slug}/watch`, { level: 'new_topics' })).statusCode, 303)

  const slug = await startTopic(app, jan, forum.slug, 'Verlof in de zomer')
  t.match(await kinds(app, 'kees'), [{ kind: 'new_topic' }], 'a new topic in a forum kees follows for new topics')
  const first = await reply(app, piet, slug, 'Goede vraag, @els weet hier meer van. En @jan natuurlijk.')
  t.match(await kinds(app, 'jan'), [{ kind: 'mentioned', post_id: first }], 'jan: mentioned in a reply in his topic: one notification, the stronger reason')
  t.match(await kinds(app, 'els'), [{ kind: 'mentioned', post_id: first }])
  t.equal((await kinds(app, 'kees')).length, 1, 'kees follows new topics only: no reply notification')
  t.same(await kinds(app, 'piet'), [], 'never about one\'s own post')

  const second = await reply(app, els, slug, 'Dank voor de vermelding!')
  t.match(await kinds(app, 'piet'), [{ kind: 'watching', post_id: second }], 'piet replied, so he follows the topic')
  t.match((await kinds(app, 'jan'))[1], { kind: 'replied', post_id: second }, 'the topic\'s author hears of a reply')

  const page = await jan.get('/notifications')
  t.equal(page.statusCode, 200)
  t.equal(textOfClass((await jan.get('/')).body, 'notification-count'), '2', 'the header counts two unread')
  const items = listed(page.body)
  t.match(items[0], /^els reageerde in je onderwerp „Verlof in de zomer”/, 'newest first, in words')
  t.match(items[1], /^piet noemde je in „Verlof in de zomer”/)
  const link = /<li class="notification unread">\s*<a href="(\/notifications\/\d+)"/.exec(page.body)![1]
  const opened = await jan.get(link)
  t.equal(opened.statusCode, 302)
  t.equal(opened.headers.location, `/post/${second}`, 'opening goes to the post')
  t.equal(textOfClass((await jan.get('/')).body, 'notification-count'), '1', 'and reads it')
  await jan.get(`/topic/${slug}`)
  t.equal(textOfClass((await jan.get('/')).body, 'notification-count'), '0', 'seeing the post on its page reads the other')
  t.equal((await els.get(link)).statusCode, 404, 'another member\'s notification is not found')

  t.equal((await els.submit(`/topic/${slug}`, `/topic/${slug}/watch`, { level: 'muted' })).statusCode, 303)
  await reply(app, piet, slug, 'Nog één ding voor @els.')
  t.equal((await kinds(app, 'els')).length, 1, 'a muted topic stays silent, even for a mention')
  t.equal((await els.submit(`/topic/${slug}`, `/topic/${slug}/watch`, { level: 'loud' })).statusCode, 400, 'an unknown level is refused')
  t.match((await els.get(`/topic/${slug}`)).body, '<option value="muted" selected>', 'the level shows on the topic page')
})

t.test('never about what the member may not read; moderation of one\'s own posts is told', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  await makeMember(app, 'jan')
  await makeMember(app, 'piet')
  await makeMember(app, 'mod', 'moderator')
  const jan = await loggedIn(app, 'jan')
  const piet = await loggedIn(app, 'piet')
  const mod = await loggedIn(app, 'mod')
  const slug = await startTopic(app, jan, forum.slug, 'Een vraag')
  const post = await reply(app, piet, slug, 'Een antwoord')
  t.equal((await kinds(app, 'jan')).length, 1)
  await mod.submit(`/topic/${slug}`, `/post/${post}/moderate`, { action: 'hide', reason: 'off-topic' })
  t.equal(textOfClass((await jan.get('/')).body, 'notification-count'), '0', 'a hidden post is no longer counted')
  t.same(listed((await jan.get('/notifications')).body), [], 'nor listed')
  const told = await piet.get('/notifications')
  t.match(listed(told.body)[0], /^mod: Bericht verborgen/, 'the author is told their post was hidden')
  await mod.submit(`/topic/${slug}`, `${`/topic/${slug}`}/moderate`, { action: 'lock' })
  t.match(listed((await jan.get('/notifications')).body)[0], /^mod: Onderwerp gesloten/, 'and that their topic was closed')
  t.same((await kinds(app, 'mod')).length, 0, 'the moderator is not told of their own acts')
})

t.test('mail at once: a real SMTP conversation, threaded, with one-click unsubscribe', async t => {
  const smtp = await smtpSink(t)
  const app = await buildTestApp(t, { smtpUrl: smtp.url, baseUrl: BASE_URL })
  app.settings.mail_delay_minutes = 0
  const forum = await makeForum(app)
  await makeMember(app, 'jan')
  await makeMember(app, 'piet')
  const jan = await loggedIn(app, 'jan')
  const piet = await loggedIn(app, 'piet')
  const slug = await startTopic(app, jan, forum.slug, 'Thuiswerken\r\nBcc: iedereen@example.org')
  const post = await reply(app, piet, slug, 'Bij ons **twee** dagen per week.')
  await app.mailer.flush()
  t.equal(smtp.received.length, 1, 'jan gets one mail')
  const mail = smtp.received[0]
  t.equal(mail.to?.[0].address, 'jan@example.org')
  t.equal(mail.subject, 'Re: Thuiswerken Bcc: iedereen@example.org', 'a line break in a title never starts a header')
  t.notOk(mail.headers.some(h => h.key === 'bcc'), 'no Bcc header was smuggled in')
  const header = (name: string): string | undefined => mail.headers.find(h => h.key === name)?.value
  t.match(mail.text, 'Bij ons **twee** dagen per week.', 'a plain-text part with the post')
  t.match(mail.html, '<strong>twee</strong>', 'an HTML part with the post')
  t.match(header('list-id'), /^<algemeen\.forum\.example\.org>$/)
  t.match(header('list-unsubscribe-post'), 'List-Unsubscribe=One-Click')
  t.match(header('auto-submitted'), 'auto-generated')
  t.match(header('in-reply-to'), /^<t\d+\.u\d+@forum\.example\.org>$/, 'threaded under the topic')
  t.equal(header('references'), header('in-reply-to'))
  const postLink = linkIn(mail, BASE_URL, '/post/')
  t.equal(postLink, `/post/${post}`, 'a link to the post from BASE_URL')
  t.equal((await jan.get(postLink!)).statusCode, 302, 'which opens it')

  const unsubscribe = /<https:\/\/forum\.example\.org(\/unsubscribe\/[^>]+)>/.exec(header('list-unsubscribe') ?? '')![1]
  const forged = unsubscribe.replace(/^\/unsubscribe\/\d+/, '/unsubscribe/2')
  const refused = await app.inject({ method: 'POST', url: forged, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' })
  t.equal(refused.statusCode, 400, 'a token changed to another member is refused')
  const oneClick = await app.inject({ method: 'POST', url: unsubscribe, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' })
  t.equal(oneClick.statusCode, 200, 'one click, without a session or form token')
  const modes = await app.db.selectFrom('users').select(['username', 'email_mode', 'auto_watch']).orderBy('id').execute()
  t.same(modes, [{ username: 'jan', email_mode: 'never', auto_watch: 1 }, { username: 'piet', email_mode: 'immediately', auto_watch: 1 }], 'only that one setting of that one member changed')
  await reply(app, piet, slug, 'Nog een reactie')
  await app.mailer.flush()
  t.equal(smtp.received.length, 1, 'no more mail for jan')
})

t.test('a mail still waiting is dropped once the post was seen; a mailing-list member gets every post', async t => {
  const smtp = await smtpSink(t)
  const app = await buildTestApp(t, { smtpUrl: smtp.url, baseUrl: BASE_URL })
  const forum = await makeForum(app)
  for (const name of ['jan', 'piet', 'lijst']) await makeMember(app, name)
  await app.db.updateTable('users').set({ email_mode: 'mailing_list' }).where('username', '=', 'lijst').execute()
  const jan = await loggedIn(app, 'jan')
  const piet = await loggedIn(app, 'piet')
  const slug = await startTopic(app, jan, forum.slug, 'Netwerkmiddag')
  await reply(app, piet, slug, 'Ik kom!')
  await jan.get(`/topic/${slug}`)
  await app.db.updateTable('notifications').set({ mail_after: Date.now() - 1 }).execute()
  await app.notifier.flush()
  await app.mailer.flush()
  const toJan = smtp.received.filter(mail => mail.to?.[0].address === 'jan@example.org')
  t.equal(toJan.length, 0, 'jan read it on the site: the mail waiting (10 minutes by default) was dropped')
  const toList = smtp.received.filter(mail => mail.to?.[0].address === 'lijst@example.org')
  t.equal(toList.length, 2, 'the mailing-list member got both posts')
  t.equal(toList[0].subject, 'Netwerkmiddag')
  t.equal(toList[1].subject, 'Re: Netwerkmiddag')
  t.equal(toList[1].inReplyTo, toList[0].messageId, 'the reply threads under the first post')
})
