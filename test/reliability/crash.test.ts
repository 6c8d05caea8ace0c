import t from 'tap'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { HttpMember, prepareData, startServer } from './server-process.js'
import { databaseForTest } from '../postgres-databases.js'
import { loadConfig } from '../../src/config.js'
import { openConfiguredDatabase } from '../../src/db/open.js'

// 20 rounds in CI; more from the command line: KRING_CRASH_ROUNDS=200 npx tap test/reliability/crash.test.ts
const ROUNDS = Number(process.env.KRING_CRASH_ROUNDS ?? 20)
const MEMBERS = 8

t.test(`SIGKILL while ${MEMBERS} members post, ${ROUNDS} rounds: no acknowledged post is lost`, async t => {
  const dataDir = t.testdir()
  const databaseUrl = await databaseForTest(t)
  const { topicSlug, usernames, env } = await prepareData(dataDir, MEMBERS, { databaseUrl })
  const acknowledged: string[] = []
  let members: HttpMember[] = []

  for (let round = 1; round <= ROUNDS; round++) {
    const server = await startServer(dataDir, env)
    if (round === 1) {
      members = usernames.map((name, i) => new HttpMember(server.baseUrl, name, `127.0.1.${i + 1}`))
      for (const member of members) await member.login()
    } else {
      // Same members, same sessions (they live in the database), new port.
      members = members.map(m => Object.assign(new HttpMember(server.baseUrl, m.username, m.ip), { token: m.token, jar: m.jar }))
    }
    let killed = false
    const loops = members.map((member, i) => member.replyUntil(topicSlug, `r${round}-m${i}`, () => killed, acknowledged))
    // Killed while posts flow: some time after this round's first acknowledged post (a busy machine starts slowly).
    const before = acknowledged.length
    for (const deadline = Date.now() + 10_000; acknowledged.length === before && Date.now() < deadline;) await new Promise(resolve => setTimeout(resolve, 10))
    await new Promise(resolve => setTimeout(resolve, 200 + Math.floor(Math.random() * 400)))
    killed = true
    server.child.kill('SIGKILL')
    const { signal } = await server.exited
    t.equal(signal, 'SIGKILL', `round ${round}: killed hard`)
    await Promise.all(loops)
  }

  const { db } = openConfiguredDatabase(loadConfig({}, { dataDir, databaseUrl }), { info: () => {}, error: () => {} })
  t.teardown(() => db.destroy())
  const stored = new Set((await db.selectFrom('posts').select('body_md').execute()).map(r => r.body_md))
  const lost = acknowledged.filter(body => !stored.has(body))
  t.ok(acknowledged.length > ROUNDS * MEMBERS, `posts were acknowledged (${acknowledged.length})`)
  t.same(lost, [], `acknowledged posts lost: ${lost.length} of ${acknowledged.length}`)
  if (databaseUrl === null) {
    // PostgreSQL checks its keys with every write; SQLite's file is checked here.
    const sqlite = new SQLite(path.join(dataDir, 'kring.sqlite'))
    t.teardown(() => sqlite.close())
    t.equal(sqlite.pragma('integrity_check', { simple: true }), 'ok', 'integrity_check')
    t.same(sqlite.pragma('foreign_key_check'), [], 'foreign_key_check')
  }
  const topic = await db.selectFrom('topics').select(['post_count', 'reply_count', 'last_post_id']).executeTakeFirstOrThrow()
  const counted = await db.selectFrom('posts').select(eb => [eb.fn.countAll<number>().as('n'), eb.fn.max('id').as('last')]).executeTakeFirstOrThrow()
  t.same(topic, { post_count: counted.n, reply_count: counted.n - 1, last_post_id: counted.last }, 'counts written with the posts')
  t.comment(`rounds: ${ROUNDS}, acknowledged posts: ${acknowledged.length}, lost: ${lost.length}, stored: ${stored.size}`)
})
