import t from 'tap'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { HttpMember, prepareData, startServer } from './server-process.js'

// 20 rounds in CI; more from the command line: KRING_CRASH_ROUNDS=200 npx tap test/reliability/crash.test.ts
const ROUNDS = Number(process.env.KRING_CRASH_ROUNDS ?? 20)
const MEMBERS = 8

t.test(`SIGKILL while ${MEMBERS} members post, ${ROUNDS} rounds: no acknowledged post is lost`, async t => {
  const dataDir = t.testdir()
  const { topicSlug, usernames } = await prepareData(dataDir, MEMBERS)
  const acknowledged: string[] = []
  let members: HttpMember[] = []

  for (let round = 1; round <= ROUNDS; round++) {
    const server = await startServer(dataDir)
    if (round === 1) {
      members = usernames.map((name, i) => new HttpMember(server.baseUrl, name, `127.0.1.${i + 1}`))
      for (const member of members) await member.login()
    } else {
      // Same members, same sessions (they live in SQLite), new port.
      members = members.map(m => Object.assign(new HttpMember(server.baseUrl, m.username, m.ip), { token: m.token, jar: m.jar }))
    }
    let killed = false
    const loops = members.map((member, i) => member.replyUntil(topicSlug, `r${round}-m${i}`, () => killed, acknowledged))
    await new Promise(resolve => setTimeout(resolve, 200 + Math.floor(Math.random() * 400)))
    killed = true
    server.child.kill('SIGKILL')
    const { signal } = await server.exited
    t.equal(signal, 'SIGKILL', `round ${round}: killed hard`)
    await Promise.all(loops)
  }

  const db = new SQLite(path.join(dataDir, 'kring.sqlite'))
  t.teardown(() => db.close())
  const stored = new Set((db.prepare('select body_md from posts').all() as Array<{ body_md: string }>).map(r => r.body_md))
  const lost = acknowledged.filter(body => !stored.has(body))
  t.ok(acknowledged.length > ROUNDS * MEMBERS, `posts were acknowledged (${acknowledged.length})`)
  t.same(lost, [], `acknowledged posts lost: ${lost.length} of ${acknowledged.length}`)
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'integrity_check')
  t.same(db.pragma('foreign_key_check'), [], 'foreign_key_check')
  const topic = db.prepare('select post_count, reply_count, last_post_id from topics').get() as Record<string, number>
  const counted = db.prepare('select count(*) as n, max(id) as last from posts').get() as { n: number, last: number }
  t.same(topic, { post_count: counted.n, reply_count: counted.n - 1, last_post_id: counted.last }, 'counts written with the posts')
  t.comment(`rounds: ${ROUNDS}, acknowledged posts: ${acknowledged.length}, lost: ${lost.length}, stored: ${stored.size}`)
})
