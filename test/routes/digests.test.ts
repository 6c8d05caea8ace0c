import t from 'tap'
import { buildTestApp, loggedIn } from '../helper.js'
import { makeForum, makeMember } from '../factories.js'
import { smtpSink } from '../mail/smtp-sink.js'

const BASE_URL = 'https://forum.example.org'

t.test('daily and weekly digests: what is new in what one follows, once per period', async t => {
  const smtp = await smtpSink(t)
  const app = await buildTestApp(t, { smtpUrl: smtp.url, baseUrl: BASE_URL })
  const forum = await makeForum(app)
  for (const name of ['jan', 'piet', 'week', 'dag']) await makeMember(app, name)
  await app.db.updateTable('users').set({ email_mode: 'weekly', last_digest_at: Date.now() - 1000 }).where('username', '=', 'week').execute()
  await app.db.updateTable('users').set({ email_mode: 'daily', last_digest_at: Date.now() - 1000 }).where('username', '=', 'dag').execute()
  const jan = await loggedIn(app, 'jan')
  const piet = await loggedIn(app, 'piet')
  const week = await loggedIn(app, 'week')
  const created = await jan.submit(`/forum/${forum.slug}/new`, `/forum/${forum.slug}/new`, { title: 'Cao-onderhandelingen', body: 'Wat weten jullie?' })
  const slug = String(created.headers.location).split('/topic/')[1]
  await week.submit(`/topic/${slug}`, `/topic/${slug}/watch`, { level: 'watching' })
  for (const body of ['Nog niets gehoord.', 'Volgende week meer.']) await piet.submit(`/topic/${slug}`, `/topic/${slug}/reply`, { body })
  await app.notifier.flush()
  await app.mailer.flush()
  t.same(smtp.received.map(m => m.to?.[0].address).filter(a => a === 'week@example.org' || a === 'dag@example.org'), [], 'nothing before the period is over')

  // A week later (as far as the stored times go): the digests are due.
  await app.db.updateTable('users').set({ last_digest_at: Date.now() - 8 * 24 * 3600_000 }).where('username', 'in', ['week', 'dag']).execute()
  await app.notifier.flush()
  await app.mailer.flush()
  const weekly = smtp.received.filter(m => m.to?.[0].address === 'week@example.org')
  t.equal(weekly.length, 1, 'one weekly digest')
  t.equal(weekly[0].subject, 'Wat er deze week nieuw is')
  t.match(weekly[0].text, 'Cao-onderhandelingen (2 nieuwe berichten)', 'the followed topic and how much is new')
  t.match(weekly[0].text, `${BASE_URL}/topic/${slug}`)
  t.ok(weekly[0].headers.some(h => h.key === 'list-unsubscribe'), 'with an unsubscribe link')
  const daily = smtp.received.filter(m => m.to?.[0].address === 'dag@example.org')
  t.equal(daily.length, 1, 'one daily digest for the member who follows nothing')
  t.match(daily[0].text, 'De drukste onderwerpen van vandaag:', 'the busiest topics instead')
  t.match(daily[0].text, 'Cao-onderhandelingen')

  await app.notifier.flush()
  await app.mailer.flush()
  t.equal(smtp.received.filter(m => m.to?.[0].address === 'week@example.org').length, 1, 'not twice in one period')
  const stored = await app.db.selectFrom('users').select('last_digest_at').where('username', '=', 'week').executeTakeFirstOrThrow()
  t.ok(stored.last_digest_at! > Date.now() - 60_000, 'the period is stored, so a restart sends none again')
})
