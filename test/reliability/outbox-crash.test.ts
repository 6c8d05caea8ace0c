import t from 'tap'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import SQLite from 'better-sqlite3'
import { SMTPServer } from 'smtp-server'
import { openDatabase } from '../../src/db/index.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { enqueueMail } from '../../src/mail/outbox.js'
import { startServer } from './server-process.js'

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
  const { db } = openDatabase(path.join(dataDir, 'kring.sqlite'))
  await migrateToLatest(db)
  await db.transaction().execute(async trx => {
    for (let i = 0; i < MAILS; i++) {
      await enqueueMail(trx, { to: `lid${i}@example.org`, subject: `Mail ${i}`, text: `Tekst ${i}`, html: `<p>Tekst ${i}</p>` }, 'forum.example.org')
    }
  })
  await db.destroy()

  const env = { SMTP_URL: smtpUrl, BASE_URL: 'https://forum.example.org' }
  const first = await startServer(dataDir, env)
  // Let some go out, then kill the process hard in the middle of sending.
  const deadline = Date.now() + 20_000
  while (accepted.length < Math.min(50, MAILS / 4) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
  first.child.kill('SIGKILL')
  t.equal((await first.exited).signal, 'SIGKILL', 'killed while sending')
  const beforeRestart = accepted.length

  const second = await startServer(dataDir, env)
  const reader = new SQLite(path.join(dataDir, 'kring.sqlite'), { readonly: true })
  t.teardown(() => reader.close())
  const unsent = (): number => (reader.prepare('select count(*) as n from outbox where sent_at is null').get() as { n: number }).n
  const until = Date.now() + 120_000
  while (unsent() > 0 && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 100))
  second.child.kill('SIGTERM')
  await second.exited

  const written = (reader.prepare('select message_id from outbox').all() as Array<{ message_id: string }>).map(r => r.message_id)
  const counts = new Map<string, number>()
  for (const id of accepted) counts.set(id, (counts.get(id) ?? 0) + 1)
  const missing = written.filter(id => !counts.has(id))
  const twice = [...counts.values()].filter(n => n > 1).length
  t.comment(`mails: ${MAILS}; accepted before the kill: ${beforeRestart}; accepted in all: ${accepted.length}; missing: ${missing.length}; accepted twice: ${twice}`)
  t.equal(unsent(), 0, 'the outbox is empty after the restart')
  t.same(missing, [], 'every mail arrived')
  t.ok(twice <= 1, `at most the one mail cut in flight arrived twice (${twice}), with its own Message-ID`)
  t.ok([...counts.keys()].every(id => written.includes(id)), 'every Message-ID is one the outbox wrote')
})
