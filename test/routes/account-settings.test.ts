import t from 'tap'
import { buildTestApp, csrfToken, decodeEntities, loggedIn, textOfClass, Visitor } from '../helper.js'
import { makeMember, PASSWORD } from '../factories.js'
import { smtpSink, linkIn } from '../mail/smtp-sink.js'

const BASE_URL = 'https://forum.example.org'
const NEW_PASSWORD = 'een heel nieuw wachtwoord'

t.test('a forgotten password: the same answer for anyone, a link that works once within the hour, other sessions ended', async t => {
  const smtp = await smtpSink(t)
  const app = await buildTestApp(t, { smtpUrl: smtp.url, baseUrl: BASE_URL })
  await makeMember(app, 'jan')
  const elsewhere = await loggedIn(app, 'jan')

  const visitor = new Visitor(app)
  const known = await visitor.submit('/password/forgot', '/password/forgot', { login: 'jan@example.org' })
  const unknown = await new Visitor(app).submit('/password/forgot', '/password/forgot', { login: 'niemand@example.org' })
  t.equal(known.statusCode, 200)
  t.equal(unknown.statusCode, known.statusCode, 'the same status for an unknown account')
  const strip = (body: string): string => body.replace(/name="_csrf" value="[^"]+"/g, '')
  t.equal(strip(unknown.body), strip(known.body), 'and the same page')
  await app.mailer.flush()
  t.equal(smtp.received.length, 1, 'one mail, to the known account only')
  const mail = smtp.received[0]
  t.equal(mail.subject, 'Een nieuw wachtwoord instellen')
  t.ok(mail.html?.includes(`${BASE_URL}/password/reset/`), 'an HTML part with the link')
  const link = linkIn(mail, BASE_URL, '/password/reset/')!
  t.ok(link, 'the link is built from BASE_URL')
  const stored = await app.db.selectFrom('email_tokens').select('token_hash').executeTakeFirstOrThrow()
  t.notOk(link.includes(stored.token_hash), 'only a hash of the token is stored')

  const short = await visitor.submit(link, link, { password: 'kort' })
  t.equal(short.statusCode, 400, 'a too short password: the form again')
  t.match(short.body, 'minstens 12 tekens')
  const reset = await visitor.submit(link, link, { password: NEW_PASSWORD })
  t.equal(reset.statusCode, 303, 'the new password is set')
  t.match(textOfClass((await visitor.get('/')).body, 'flash'), 'Je nieuwe wachtwoord is ingesteld')
  t.equal((await elsewhere.get('/account')).statusCode, 303, 'the other session is ended')
  t.equal((await new Visitor(app).submit('/login', link, { password: 'nog een ander wachtwoord' })).statusCode, 400, 'the link works once')
  t.equal((await new Visitor(app).login('jan', NEW_PASSWORD)).statusCode, 303, 'the new password works')
  const old = await new Visitor(app).submit('/login', '/login', { login: 'jan', password: PASSWORD })
  t.equal(old.statusCode, 400, 'the old one does not')

  // An hour later a fresh link has expired.
  await visitor.submit('/password/forgot', '/password/forgot', { login: 'jan' })
  await app.mailer.flush()
  const late = linkIn(smtp.received[1], BASE_URL, '/password/reset/')!
  await app.db.updateTable('email_tokens').set({ expires_at: Date.now() - 1 }).where('used_at', 'is', null).execute()
  t.equal((await new Visitor(app).get(late)).statusCode, 400, 'an expired link is refused')
  t.equal((await new Visitor(app).get('/password/reset/verzonnen')).statusCode, 400, 'a made-up link is refused')
})

t.test('asking for reset links is rate-limited per address', async t => {
  const app = await buildTestApp(t)
  await makeMember(app, 'jan')
  const visitor = new Visitor(app)
  const token = csrfToken((await visitor.get('/password/forgot')).body)!
  const statuses = []
  for (let i = 0; i < 4; i++) statuses.push((await visitor.postRaw('/password/forgot', { _csrf: token, login: 'jan' })).statusCode)
  t.same(statuses, [200, 200, 200, 429], 'three a minute')
  const kept = await app.db.selectFrom('outbox').select('subject').execute()
  t.equal(kept.length, 3, 'without SMTP_URL the mails wait in the outbox')
})

t.test('/account: address, password, language, mail preferences and sessions', async t => {
  const smtp = await smtpSink(t)
  const app = await buildTestApp(t, { smtpUrl: smtp.url, baseUrl: BASE_URL })
  await makeMember(app, 'jan')
  await makeMember(app, 'piet')
  const other = await loggedIn(app, 'jan')
  const jan = await loggedIn(app, 'jan')
  const page = await jan.get('/account')
  t.equal(page.statusCode, 200)
  t.match(page.body, 'Nu: jan@example.org')
  t.equal((page.body.match(/class="session"/g) ?? []).length, 2, 'both sessions listed')
  t.equal((await new Visitor(app).get('/account')).statusCode, 303, 'a guest goes to log in')

  const wrong = await jan.submit('/account', '/account/email', { current: 'niet mijn wachtwoord', email: 'jan@nieuw.example' })
  t.equal(wrong.statusCode, 400, 'the current password is needed')
  t.match(wrong.body, 'Dit is niet je huidige wachtwoord.')
  t.match(wrong.body, 'value="jan@nieuw.example"', 'the typed address is kept')
  const taken = await jan.submit('/account', '/account/email', { current: PASSWORD, email: 'piet@example.org' })
  t.equal(taken.statusCode, 400, 'an address in use is refused')
  const change = await jan.submit('/account', '/account/email', { current: PASSWORD, email: 'jan@nieuw.example' })
  t.equal(change.statusCode, 303)
  await app.mailer.flush()
  const toOld = smtp.received.find(mail => mail.to?.[0].address === 'jan@example.org')
  const toNew = smtp.received.find(mail => mail.to?.[0].address === 'jan@nieuw.example')
  t.match(toOld?.text, 'wordt gewijzigd in jan@nieuw.example', 'the old address is told')
  const confirm = linkIn(toNew, BASE_URL, '/account/email/')!
  t.ok(confirm, 'the new address gets a link')
  t.match(await app.db.selectFrom('users').select('email').where('username', '=', 'jan').executeTakeFirstOrThrow(), { email: 'jan@example.org' }, 'unchanged until confirmed')
  t.equal((await jan.submit(confirm, confirm, {})).statusCode, 303)
  t.match(await app.db.selectFrom('users').select('email').where('username', '=', 'jan').executeTakeFirstOrThrow(), { email: 'jan@nieuw.example' }, 'changed once confirmed')

  t.equal((await jan.submit('/account', '/account/password', { current: PASSWORD, password: NEW_PASSWORD })).statusCode, 303)
  t.equal((await other.get('/account')).statusCode, 303, 'a password change ends the other sessions')
  t.equal((await jan.get('/account')).statusCode, 200, 'but not this one')

  t.equal((await jan.submit('/account', '/account/language', { locale: 'sv' })).statusCode, 303)
  const swedish = await jan.get('/account')
  t.match(swedish.body, '<html lang="sv">')
  t.match(swedish.body, '<h1>Mitt konto</h1>', 'pages in the member\'s language')
  t.match(textOfClass(swedish.body, 'flash'), 'Ditt språk är sparat.', 'the message too')
  t.equal((await jan.submit('/account', '/account/language', { locale: 'xx' })).statusCode, 400, 'an unknown language is refused')
  t.match((await new Visitor(app).get('/')).body, '<html lang="nl">', 'others still see the forum\'s language')

  t.equal((await jan.submit('/account', '/account/mail', { email_mode: 'weekly' })).statusCode, 303)
  t.match(await app.db.selectFrom('users').select(['email_mode', 'auto_watch']).where('username', '=', 'jan').executeTakeFirstOrThrow(), { email_mode: 'weekly', auto_watch: 0 })
  t.equal((await jan.submit('/account', '/account/mail', { email_mode: 'altijd' })).statusCode, 400)

  const end = await jan.submit('/account', '/account/sessions/end', {})
  t.equal(end.statusCode, 303)
  t.equal((await app.db.selectFrom('sessions').select('user_id').execute()).length, 0, 'logged out everywhere')
  t.match(decodeEntities(textOfClass((await jan.get('/')).body, 'flash') ?? ''), 'Je bent overal uitgelogd.', 'said in the forum\'s language, to a guest now')
})
