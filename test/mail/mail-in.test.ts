import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import type { FastifyInstance } from 'fastify'
import nodemailer from 'nodemailer'
import { buildTestApp, dataEnv, loggedIn } from '../helper.js'
import { makeForum, makeMember } from '../factories.js'
import { projectPath } from '../../src/lib/paths.js'
import { receiveMail } from '../../src/mail/inbound.js'
import { smtpSink } from './smtp-sink.js'
import { saveSetting } from '../../src/models/settings.js'

const BASE_URL = 'https://forum.example.org'
const REPLY = 'reply+%{key}@forum.example.org'

/** jan's topic with piet's reply; jan got a notification mail whose Reply-To holds his key for that reply. */
async function setup (t: Test, overrides: Record<string, unknown> = {}) {
  const smtp = await smtpSink(t)
  const app = await buildTestApp(t, { smtpUrl: smtp.url, baseUrl: BASE_URL, mailReplyAddress: REPLY, ...overrides })
  app.settings.mail_delay_minutes = 0
  const forum = await makeForum(app)
  await makeMember(app, 'jan')
  await makeMember(app, 'piet')
  const jan = await loggedIn(app, 'jan')
  const piet = await loggedIn(app, 'piet')
  const created = await jan.submit(`/forum/${forum.slug}/new`, `/forum/${forum.slug}/new`, { title: 'Thuiswerken', body: 'Hoe regelen jullie thuiswerken?' })
  const slug = String(created.headers.location).split('/topic/')[1]
  await piet.submit(`/topic/${slug}`, `/topic/${slug}/reply`, { body: 'Hoe doen jullie dat?' })
  await app.notifier.flush()
  await app.mailer.flush()
  const mail = smtp.received.find(m => m.to?.[0].address === 'jan@example.org')!
  const replyTo = mail.replyTo?.[0].address ?? ''
  return { app, smtp, slug, replyTo, piet }
}

const fixture = (name: string, to: string): Buffer => Buffer.from(readFileSync(projectPath('test', 'mail', 'fixtures', `${name}.eml`), 'utf8').replace('%TO%', to))
const repliesIn = async (app: FastifyInstance, slug: string) => (await app.db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id')
  .innerJoin('users', 'users.id', 'posts.author_id').select(['users.username', 'posts.body_md']).where('topics.slug', '=', slug).orderBy('posts.position').execute()).slice(2)

t.test('replies written by Outlook, Gmail, Apple Mail and Thunderbird post their own words in the topic', async t => {
  const { app, slug, replyTo } = await setup(t)
  t.match(replyTo, /^reply\+\d+-\d+-[0-9a-f]{20}@forum\.example\.org$/, 'the notification mail\'s Reply-To holds a key')
  const expected: Array<[string, string]> = [
    ['outlook-nl', 'Bij ons werkt iedereen twee dagen per week thuis. De vergoeding is € 2,35 per dag.\n\nMet vriendelijke groet,\nJan'],
    ['gmail-en', 'Two days a week here, too.'],
    ['apple-sv', 'Vi gör likadant: två dagar i veckan.'],
    ['thunderbird-nl', 'Prima, dan doen wij dat ook.']
  ]
  for (const [name] of expected) {
    app.settings.limit_lid_seconds = 0
    const outcome = await receiveMail(app, fixture(name, replyTo))
    t.equal(outcome.status, 'posted', `${name}: posted`)
  }
  t.same((await repliesIn(app, slug)).map(r => r.body_md), expected.map(([, body]) => body), 'quotes, Outlook\'s header block and signatures are gone')
  t.ok((await repliesIn(app, slug)).every(r => r.username === 'jan'), 'posted as the member the key was made for')

  const again = await receiveMail(app, fixture('gmail-en', replyTo))
  t.match(again, { status: 'ignored', reason: 'already received' }, 'the same Message-ID twice is one reply')
  t.match(await receiveMail(app, fixture('out-of-office', replyTo)), { status: 'ignored' }, 'an out-of-office reply is ignored')
  t.equal((await repliesIn(app, slug)).length, 4)
})

t.test('mail that may not post: refused with a mail that holds the text, or rejected', async t => {
  const { app, smtp, slug, replyTo } = await setup(t)
  const spoofed = Buffer.from(fixture('gmail-en', replyTo).toString().replace('From: Jan de Vries <jan@example.org>', 'From: Jan <jan@evil.example>'))
  t.match(await receiveMail(app, spoofed), { status: 'rejected' }, 'a sender who is not the key\'s member is rejected')
  const forgedKey = replyTo.replace(/-([0-9a-f]{20})@/, (_, mac: string) => `-${mac.replace(/^./, c => c === 'a' ? 'b' : 'a')}@`)
  t.match(await receiveMail(app, fixture('thunderbird-nl', forgedKey)), { status: 'rejected', reason: 'unknown reply address' }, 'a forged key is rejected')
  t.match(await receiveMail(app, Buffer.alloc(11 * 1024 * 1024, 'a')), { status: 'rejected', reason: 'too large' }, 'an 11 MB mail is rejected')
  t.match(await receiveMail(app, Buffer.from(`From: jan@example.org\r\nTo: ${replyTo}\r\nSubject: leeg\r\nMessage-ID: <leeg@x>\r\nContent-Type: image/png\r\n\r\niVBORw0KGgo=`)), { status: 'refused', reason: 'mail_in.no_text' }, 'a mail without text is refused')

  const mod = await makeMember(app, 'mod', 'moderator')
  await app.db.updateTable('topics').set({ locked: 1 }).where('slug', '=', slug).execute()
  void mod
  const closed = await receiveMail(app, fixture('outlook-nl', replyTo))
  t.match(closed, { status: 'refused', reason: 'refusal.locked' }, 'a closed topic refuses a reply by mail as the form does')
  await app.mailer.flush()
  const answer = smtp.received.filter(m => m.to?.[0].address === 'jan@example.org').at(-1)!
  t.match(answer.subject, /^Niet geplaatst: /)
  t.match(answer.text, 'Dit onderwerp is gesloten voor nieuwe reacties.', 'the mail says why')
  t.match(answer.text, 'Bij ons werkt iedereen twee dagen per week thuis.', 'and holds the text')
  t.equal((await repliesIn(app, slug)).length, 0, 'nothing was posted')
})

t.test('kring mail-in, as an MTA pipes it, with exit codes an MTA understands', async t => {
  const { app, slug, replyTo } = await setup(t)
  // The command reads the settings from the database, like the server does.
  await saveSetting(app.db, 'limit_lid_seconds', 0)
  const env = { ...process.env, ...dataEnv(app), MAIL_REPLY_ADDRESS: REPLY, BASE_URL, KRING_DEMO: '0', LOG_LEVEL: 'silent' }
  const cli = (input: Buffer) => spawnSync(process.execPath, ['--import', 'tsx', projectPath('src', 'cli.ts'), 'mail-in'], { input, env, encoding: 'utf8', timeout: 60_000 })
  const posted = cli(fixture('gmail-en', replyTo))
  t.equal(posted.status, 0, `taken: ${posted.stdout}${posted.stderr}`)
  t.match(posted.stdout, /^posted as post \d+/)
  t.same((await repliesIn(app, slug)).map(r => r.body_md), ['Two days a week here, too.'])
  const unknown = cli(fixture('thunderbird-nl', 'reply+1-2-0123456789abcdef0123@forum.example.org'))
  t.equal(unknown.status, 67, 'an unknown address: EX_NOUSER')
  t.match(unknown.stderr, 'unknown reply address')
  const garbage = cli(Buffer.alloc(11 * 1024 * 1024, 'x'))
  t.equal(garbage.status, 65, 'too large: EX_DATAERR')
})

t.test('the in-process SMTP listener takes replies from an MTA', async t => {
  const { app, slug, replyTo } = await setup(t, { inboundSmtpPort: 0, host: '127.0.0.1' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = app.inboundSmtpPort!()!
  const mta = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true })
  await mta.sendMail({ envelope: { from: 'jan@example.org', to: [replyTo] }, raw: fixture('apple-sv', replyTo) })
  t.same((await repliesIn(app, slug)).map(r => r.body_md), ['Vi gör likadant: två dagar i veckan.'], 'posted')
  await t.rejects(mta.sendMail({ envelope: { from: 'x@example.org', to: ['nobody@forum.example.org'] }, raw: fixture('gmail-en', 'nobody@forum.example.org') }),
    /550/, 'a mail to no reply address is refused with 550')
  mta.close()
})

t.test('hard bounces count against an address; after three, notification mail to it stops', async t => {
  const { app, smtp, slug, piet } = await setup(t)
  const bounce = (n: number): Buffer => Buffer.from(readFileSync(projectPath('test', 'mail', 'fixtures', 'bounce.eml'), 'utf8').replace('<bounce-1@', `<bounce-${n}@`))
  for (let n = 1; n <= 3; n++) t.match(await receiveMail(app, bounce(n)), { status: 'ignored', reason: 'a bounce (counted)' }, `bounce ${n}`)
  t.match(await app.db.selectFrom('users').select('hard_bounces').where('username', '=', 'jan').executeTakeFirstOrThrow(), { hard_bounces: 3 })
  const before = smtp.received.length
  app.settings.limit_lid_seconds = 0
  await piet.submit(`/topic/${slug}`, `/topic/${slug}/reply`, { body: 'Nog een reactie voor jan' })
  await app.notifier.flush()
  await app.mailer.flush()
  t.equal(smtp.received.length, before, 'no more mail to the bouncing address')
  t.equal((await app.db.selectFrom('notifications').innerJoin('users', 'users.id', 'notifications.user_id').select('notifications.id')
    .where('users.username', '=', 'jan').execute()).length, 2, 'the notification is still on the site')
})

t.test('a muted member stays silent', async t => {
  const { app, slug, piet } = await setup(t)
  const jan = await loggedIn(app, 'jan')
  t.equal((await jan.submit('/user/piet', '/user/piet/mute', { muted: '1' })).statusCode, 303)
  t.match((await jan.get('/user/piet')).body, 'piet niet meer negeren', 'the profile offers to unmute')
  app.settings.limit_lid_seconds = 0
  await piet.submit(`/topic/${slug}`, `/topic/${slug}/reply`, { body: 'Hallo @jan, nog één ding.' })
  await app.notifier.flush()
  const janNotes = await app.db.selectFrom('notifications').innerJoin('users', 'users.id', 'notifications.user_id').select('notifications.id').where('users.username', '=', 'jan').execute()
  t.equal(janNotes.length, 1, 'nothing new for jan from piet, not even a mention')
  t.equal((await jan.submit('/user/jan', '/user/jan/mute', { muted: '1' })).statusCode, 400, 'one cannot mute oneself')
})

t.test('a forum\'s own address starts a topic, for a network that lived on a mailing list', async t => {
  const { app } = await setup(t)
  const message = (auth: string, subject = 'Thema voor de volgende bijeenkomst') => Buffer.from([
    ...(auth ? [`Authentication-Results: mx.forum.example.org; ${auth}`] : []),
    'From: Jan de Vries <jan@example.org>', 'To: forum+algemeen@forum.example.org', `Subject: ${subject}`,
    `Message-ID: <${Math.random()}@example.org>`, 'Content-Type: text/plain; charset=utf-8', '',
    'Zullen we het hebben over hybride werken?', '', '-- ', 'Jan'
  ].join('\r\n'))
  t.match(await receiveMail(app, message('')), { status: 'rejected' }, 'without the MTA\'s verdict a From is not trusted')
  t.match(await receiveMail(app, message('spf=fail smtp.mailfrom=example.org')), { status: 'rejected' }, 'nor with a failing one')
  app.settings.limit_lid_seconds = 0
  const posted = await receiveMail(app, message('dkim=pass header.d=example.org; dmarc=pass'))
  t.match(posted, { status: 'posted' }, 'a verified member starts a topic')
  const topic = await app.db.selectFrom('topics').innerJoin('posts', 'posts.topic_id', 'topics.id').select(['topics.title', 'posts.body_md'])
    .where('posts.position', '=', 1).where('topics.title', '=', 'Thema voor de volgende bijeenkomst').executeTakeFirstOrThrow()
  t.same(topic, { title: 'Thema voor de volgende bijeenkomst', body_md: 'Zullen we het hebben over hybride werken?' }, 'titled by the subject, without the signature')
  const tooShort = await receiveMail(app, message('dmarc=pass', 'Re: ab'))
  t.match(tooShort, { status: 'refused', reason: 'form.title_too_short' }, 'a title that breaks the rules is refused by mail')
})
