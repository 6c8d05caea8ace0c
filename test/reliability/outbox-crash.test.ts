import t from 'tap'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { loadConfig } from '../../src/config.js'
import { openConfiguredDatabase } from '../../src/db/open.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { enqueueMail } from '../../src/mail/outbox.js'
import { startServer } from './server-process.js'
import { databaseForTest } from '../postgres-databases.js'

// 500 mails in CI; more from the command line: KRING_OUTBOX_MAILS=5000 npx tap test/reliability/outbox-crash.test.ts
const MAILS = Number(process.env.KRING_OUTBOX_MAILS ?? 500)

t.test(`SIGKILL while ${MAILS} mails go out to a slow SMTP server: after a restart every mail arrives, none twice but one cut in flight`, async t => {
  // A slow mail server that notes every Message-ID it accepts.
  const accepted: string[] = []
  const sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData (stream, _session, callback) {
      let head = ''
      stream.on('data', (chunk: Buffer) => { if (head.length < 4000) head += chunk.toString() })
      stream.on('end', () => setTimeout(() => {
        accepted.push(/^Message-ID:\s*(<[^>]+>)/im.exec(head)?.[1] ?? 'none')
        callback()
      }, 8))
    }
  })
  // The killed server leaves a connection reset behind: that is the point, not an error of the sink.
  sink.on('error', () => {})
  await new Promise<void>(resolve => sink.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => sink.close(() => resolve())))
  const smtpUrl = `smtp://127.0.0.1:${(sink.server.address() as AddressInfo).port}`

  const dataDir = t.testdir()
  const databaseUrl = await databaseForTest(t)
  const { db } = openConfiguredDatabase(loadConfig({}, { dataDir, databaseUrl }), { info: () => {}, error: () => {} })
  t.teardown(() => db.destroy())
  await migrateToLatest(db)
  await db.transaction().execute(async trx => {
    for (let i = 0; i < MAILS; i++) {
      await enqueueMail(trx, { to: `lid${i}@example.org`, subject: `Mail ${i}`, text: `Tekst ${i}`, html: `<p>Tekst ${i}</p>` }, 'forum.example.org')
    }
  })

  const env = { SMTP_URL: smtpUrl, BASE_URL: 'https://forum.example.org', ...(databaseUrl === null ? {} : { DATABASE_URL: databaseUrl }) }
  const first = await startServer(dataDir, env)
  // Let some go out, then kill the process hard in the middle of sending.
  const deadline = Date.now() + 20_000
  while (accepted.length < Math.min(50, MAILS / 4) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
  first.child.kill('SIGKILL')
  t.equal((await first.exited).signal, 'SIGKILL', 'killed while sending')
  const beforeRestart = accepted.length
  // The killed process's claims would end in two minutes; the clock is moved past them here.
  const claimed = await db.updateTable('outbox').set({ claimed_until: 0 }).where('sent_at', 'is', null).where('claimed_until', 'is not', null).executeTakeFirst()
  t.ok(Number(claimed.numUpdatedRows) <= 20, `the killed process held at most one batch of claims (${claimed.numUpdatedRows})`)

  const second = await startServer(dataDir, env)
  const unsent = async (): Promise<number> => (await db.selectFrom('outbox').select(eb => eb.fn.countAll<number>().as('n')).where('sent_at', 'is', null).executeTakeFirstOrThrow()).n
  const until = Date.now() + 120_000
  while (await unsent() > 0 && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 100))
  second.child.kill('SIGTERM')
  await second.exited

  const written = (await db.selectFrom('outbox').select('message_id').execute()).map(r => r.message_id)
  const counts = new Map<string, number>()
  for (const id of accepted) counts.set(id, (counts.get(id) ?? 0) + 1)
  const missing = written.filter(id => !counts.has(id))
  const twice = [...counts.values()].filter(n => n > 1).length
  t.comment(`mails: ${MAILS}; accepted before the kill: ${beforeRestart}; accepted in all: ${accepted.length}; missing: ${missing.length}; accepted twice: ${twice}`)
  t.equal(await unsent(), 0, 'the outbox is empty after the restart')
  t.same(missing, [], 'every mail arrived')
  t.ok(twice <= 1, `at most the one mail cut in flight arrived twice (${twice}), with its own Message-ID`)
  t.ok([...counts.keys()].every(id => written.includes(id)), 'every Message-ID is one the outbox wrote')
})
