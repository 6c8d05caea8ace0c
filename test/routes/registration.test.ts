import t from 'tap'
import { smtpSink as mailServer } from '../mail/smtp-sink.js'
import { buildTestApp, decodeEntities, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'

const BASE_URL = 'https://forum.example.org'

t.test('with mail set up, signing up asks to confirm the address, and a taken address answers the same', async t => {
  const smtp = await mailServer(t)
  const app = await buildTestApp(t, { smtpUrl: `smtp://127.0.0.1:${smtp.port}`, baseUrl: BASE_URL })
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const { topic } = await makeTopic(app, { forumId: forum.id, author: jan })

  const newcomer = new Visitor(app)
  const signUp = await newcomer.submit('/register', '/register', { username: 'nieuw', email: 'nieuw@example.org', password: PASSWORD })
  const someone = new Visitor(app)
  const taken = await someone.submit('/register', '/register', { username: 'anders', email: 'JAN@example.org', password: PASSWORD })

  t.equal(signUp.statusCode, 200, 'a new address: the check-your-mail page')
  t.equal(taken.statusCode, signUp.statusCode, 'a taken address: the same status')
  const strip = (body: string, email: string): string => body.replace(email, 'ADRES').replace(/name="_csrf" value="[^"]+"/g, '')
  t.equal(strip(taken.body, 'JAN@example.org'), strip(signUp.body, 'nieuw@example.org'), 'and the same page (before: "Er is al een account met dit e-mailadres")')
  t.match(signUp.body, 'Kijk in je mail')
  t.notOk(newcomer.cookies.has('kring_session'), 'not logged in yet')
  t.notOk(await app.db.selectFrom('users').select('id').where('username', '=', 'anders').executeTakeFirst(), 'no account for the taken address')

  await app.mailer.flush()
  t.equal(smtp.received.length, 2, 'two mails went out over SMTP')
  const confirm = smtp.received.find(mail => mail.to?.[0].address === 'nieuw@example.org')!
  const notice = smtp.received.find(mail => mail.to?.[0].address === 'jan@example.org')!
  t.equal(confirm.subject, 'Bevestig je e-mailadres')
  t.ok(confirm.html?.includes('<a href="https://forum.example.org/confirm/'), 'an HTML part with the link')
  const link = /https:\/\/forum\.example\.org(\/confirm\/[\w-]+)/.exec(confirm.text ?? '')?.[1]
  t.ok(link, 'a plain-text part with an absolute link from BASE_URL')
  t.equal(notice.subject, 'Aanmelding met je e-mailadres', 'the owner of the taken address is told instead')
  t.match(notice.text, 'https://forum.example.org/login')
  const rows = await app.db.selectFrom('outbox').select(['message_id', 'sent_at']).execute()
  t.ok(rows.every(row => row.sent_at !== null), 'the outbox marks them sent')
  t.same(smtp.received.map(mail => mail.messageId).sort(), rows.map(row => row.message_id).sort(), 'with the Message-ID written in the outbox')

  // A guest who follows the link confirms with the page's button (and its form token).
  const guestConfirms = new Visitor(app)
  const guestPage = await guestConfirms.get(link!)
  t.match(guestPage.body, /name="_csrf" value="[^"]+"/, 'the confirmation page carries a form token for a guest too')

  // Before confirming: logging in works, posting does not.
  await newcomer.login('nieuw', PASSWORD)
  const early = await newcomer.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Mag ik al?' })
  t.equal(early.statusCode, 403)
  t.match(decodeEntities(early.body), 'Bevestig eerst je e-mailadres')

  const scanner = await new Visitor(app).get(link!)
  t.equal(scanner.statusCode, 200, 'opening the link shows a button and confirms nothing yet')
  const stillUnconfirmed = await app.db.selectFrom('users').select('email_confirmed_at').where('username', '=', 'nieuw').executeTakeFirstOrThrow()
  t.equal(stillUnconfirmed.email_confirmed_at, null)
  const confirmed = await newcomer.submit(link!, link!, {})
  t.equal(confirmed.statusCode, 303, 'the button confirms and logs in')
  t.equal((await newcomer.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Nu wel' })).statusCode, 303, 'now posting works')
  t.equal((await new Visitor(app).submit('/login', link!, {})).statusCode, 400, 'the link works once')
  t.equal((await new Visitor(app).get('/confirm/verzonnen-token')).statusCode, 400, 'a made-up link is refused')
})

t.test('a mail server that is down loses nothing: the mail waits and goes out later, once', async t => {
  const smtp = await mailServer(t)
  const port = smtp.port
  await smtp.close()
  const app = await buildTestApp(t, { smtpUrl: `smtp://127.0.0.1:${port}`, baseUrl: BASE_URL })
  const visitor = new Visitor(app)
  t.equal((await visitor.submit('/register', '/register', { username: 'nieuw', email: 'nieuw@example.org', password: PASSWORD })).statusCode, 200,
    'signing up does not wait for the mail server')
  await app.mailer.flush()
  const failed = await app.db.selectFrom('outbox').selectAll().executeTakeFirstOrThrow()
  t.match(failed, { sent_at: null, attempts: 1 }, 'the failed attempt is counted')
  t.ok(failed.last_error, `and why: ${failed.last_error}`)
  t.ok(failed.send_after > Date.now() + 20_000, 'it waits before the next try')

  const back = await mailServer(t, port)
  await app.mailer.flush()
  t.equal(back.received.length, 0, 'not before its time')
  await app.db.updateTable('outbox').set({ send_after: Date.now() }).execute()
  await app.mailer.flush()
  await app.mailer.flush()
  t.equal(back.received.length, 1, 'sent once the server is back, and only once')
  t.equal(back.received[0].messageId, failed.message_id, 'with the Message-ID it was written with')
})

t.test('without mail, the form says the address is taken, but only a few times an hour', async t => {
  const app = await buildTestApp(t)
  await makeMember(app, 'jan')
  const visitor = new Visitor(app)
  for (let i = 1; i <= 3; i++) {
    const response = await visitor.submit('/register', '/register', { username: `poging${i}`, email: 'jan@example.org', password: PASSWORD })
    t.equal(response.statusCode, 400, `try ${i}: 400`)
    t.match(response.body, 'Er is al een account met dit e-mailadres')
  }
  const fourth = await visitor.submit('/register', '/register', { username: 'poging4', email: 'jan@example.org', password: PASSWORD })
  t.equal(fourth.statusCode, 429, 'the fourth taken address in an hour: 429')
  const fresh = await visitor.submit('/register', '/register', { username: 'nieuw', email: 'nieuw@example.org', password: PASSWORD })
  t.equal(fresh.statusCode, 303, 'a new address still signs up (confirmed at once, logged in)')
})
