import t from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { buildTestApp } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'
import { listDueNotificationMails, markNotificationMailed } from '../../src/notifications/mails.js'
import { listDigestsDue, markDigestSent } from '../../src/notifications/digests.js'
import { insertNotifications } from '../../src/models/notifications.js'

// Two Kring processes on one database (as with PostgreSQL, or two servers started on one
// DATA_DIR by mistake) each run their background rounds: each mail is claimed before it is
// queued, so work one process listed and the other did is not done again.

t.test('work listed by two processes is done once: notification mails and digests', async t => {
  const first = await buildTestApp(t)
  const second = await buildApp(loadConfig({}, { dataDir: first.config.dataDir, databaseUrl: first.config.databaseUrl, demo: false, logLevel: 'silent', passwordCost: 10 }))
  t.teardown(() => second.close())
  // Made through the models, not the forms: no request wakes a round, so only this test runs them.
  const forum = await makeForum(first)
  const jan = await makeMember(first, 'jan')
  const piet = await makeMember(first, 'piet')
  await makeMember(first, 'dag')
  const { topic, ids } = await makeTopic(first, { forumId: forum.id, author: piet, replies: 3 })
  await first.notifier.flush()
  await first.db.deleteFrom('notifications').execute()
  await first.db.deleteFrom('outbox').execute()
  await insertNotifications(first.db, ids.map(postId => ({ userId: jan.id, kind: 'mentioned' as const, postId, topicId: topic.id, actorId: piet.id, mailAfter: Date.now() - 1 })))
  await first.db.updateTable('users').set({ email_mode: 'daily', last_digest_at: Date.now() - 2 * 24 * 3600_000 }).where('username', '=', 'dag').execute()

  // The second process lists the work; the first does it.
  const listed = await listDueNotificationMails(second.db, 100)
  const digests = await listDigestsDue(second.db, 100)
  t.equal(listed.length, 4, 'four mails waiting')
  t.equal(digests.length, 1, 'and one digest')
  await first.notifier.flush()
  // What the second still holds claims nothing, so it queues nothing.
  for (const item of listed) t.notOk(await markNotificationMailed(second.db, item.id), `notification ${item.id} is the first's`)
  t.notOk(await markDigestSent(second.db, digests[0]), "the digest is the first's")
  await second.notifier.flush()
  t.equal((await first.db.selectFrom('outbox').select('id').where('to_address', '=', 'jan@example.org').execute()).length, 4, 'one mail per notification')
  t.equal((await first.db.selectFrom('outbox').select('id').where('to_address', '=', 'dag@example.org').execute()).length, 1, 'one digest')
})
