import t from 'tap'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { loadConfig } from '../../src/config.js'
import { openConfiguredDatabase } from '../../src/db/open.js'
import { enqueueMail } from '../../src/mail/outbox.js'
import { HttpMember, prepareData, startServer } from './server-process.js'
import { databaseForTest, testOnPostgres } from '../postgres-databases.js'
import { smtpSink } from '../mail/smtp-sink.js'

// Two Kring processes on one PostgreSQL database, as behind a round-robin proxy: whichever
// answers, a member is logged in, a setting is in force, a rate limit counts, a mail goes once.

const postIdsOn = async (baseUrl: string, path: string): Promise<number> => [...(await (await fetch(baseUrl + path)).text()).matchAll(/<article id="post-\d+"/g)].length

t.test('two processes share sessions, settings, guest pages, rate limits and the outbox', { skip: testOnPostgres ? false : 'runs with KRING_TEST_DB=postgres (CI runs the suite on both)' }, async t => {
  const sink = await smtpSink(t)

  const dataDir = t.testdir()
  const databaseUrl = await databaseForTest(t)
  const { topicSlug, usernames, env } = await prepareData(dataDir, 2, { databaseUrl })
  const { db } = openConfiguredDatabase(loadConfig({}, { dataDir, databaseUrl }), { info: () => {}, error: () => {} })
  t.teardown(() => db.destroy())
  await db.updateTable('users').set({ role: 'beheerder' }).where('username', '=', usernames[0]).execute()
  const serverEnv = { ...env, SMTP_URL: sink.url, BASE_URL: 'https://forum.example.org' }
  const a = await startServer(dataDir, serverEnv)
  const b = await startServer(dataDir, serverEnv)
  t.teardown(async () => { for (const server of [a, b]) { server.child.kill('SIGTERM'); await server.exited } })

  // A session made by one process is a session in the other.
  const onA = new HttpMember(a.baseUrl, usernames[1], '127.0.2.1')
  await onA.login()
  const onB = Object.assign(new HttpMember(b.baseUrl, usernames[1], onA.ip), { token: onA.token })
  for (const [name, value] of onA.jar) onB.jar.set(name, value)
  t.ok(await onB.reply(topicSlug, 'Via het tweede proces.'), 'logged in on A, replying on B')
  for (let i = 0; i < 2; i++) t.ok(await onA.reply(topicSlug, `Nog een reactie ${i}.`), 'and on A again')
  t.match(await (await onA.get(`/topic/${topicSlug}`)).text(), 'Via het tweede proces.', 'A shows what B stored')

  // A guest's page kept by B goes when A changes a setting, and B pages by the new setting within a second.
  t.equal(await postIdsOn(b.baseUrl, `/topic/${topicSlug}`), 4, 'B shows four posts to a guest (ten a page)')
  const admin = new HttpMember(a.baseUrl, usernames[0], '127.0.2.2')
  await admin.login()
  await admin.refreshToken('/admin')
  t.equal((await admin.post('/admin/settings', { posts_per_page: '2' })).status, 303, 'the beheerder sets two posts a page on A')
  const changed = Date.now()
  let shown = 4
  while (shown !== 2 && Date.now() - changed < 1000) {
    await new Promise(resolve => setTimeout(resolve, 20))
    shown = await postIdsOn(b.baseUrl, `/topic/${topicSlug}`)
  }
  t.equal(shown, 2, `B follows the setting within a second (${Date.now() - changed} ms)`)

  // Six login attempts a minute from one address, however they are spread over the processes.
  const tries: number[] = []
  for (let i = 0; i < 7; i++) {
    const server = i % 2 === 0 ? a : b
    const guest = new HttpMember(server.baseUrl, 'niemand', '127.0.2.3')
    await guest.refreshToken('/login')
    tries.push((await guest.post('/login', { login: 'niemand', password: 'fout' })).status)
  }
  t.same(tries.slice(0, 6).filter(status => status === 429), [], 'six attempts are answered')
  t.equal(tries[6], 429, 'the seventh, on the other process, is refused')

  // Both processes send from one outbox: each mail goes once.
  await db.transaction().execute(async trx => {
    for (let i = 0; i < 60; i++) await enqueueMail(trx, { to: `lid${i}@example.org`, subject: `Mail ${i}`, text: `Tekst ${i}`, html: `<p>Tekst ${i}</p>` }, 'forum.example.org')
  })
  const unsent = async (): Promise<number> => (await db.selectFrom('outbox').select(eb => eb.fn.countAll<number>().as('n')).where('sent_at', 'is', null).executeTakeFirstOrThrow()).n
  // A reply wakes a process's outbox round; the other's comes on its own within 15 s.
  await onA.reply(topicSlug, 'Wakker worden.')
  await onB.reply(topicSlug, 'Jij ook.')
  const until = Date.now() + 30_000
  while (await unsent() > 0 && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 100))
  t.equal(await unsent(), 0, 'every mail went')
  const counts = new Map<string, number>()
  for (const { messageId = 'none' } of sink.received) counts.set(messageId, (counts.get(messageId) ?? 0) + 1)
  const written = (await db.selectFrom('outbox').select('message_id').execute()).map(r => r.message_id)
  t.same(written.filter(id => counts.get(id) !== 1), [], 'each exactly once')
  t.notOk(existsSync(path.join(dataDir, 'kring.pid')), 'no pid file in the shared DATA_DIR: it could name only one of them')
})
