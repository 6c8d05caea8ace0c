import t from 'tap'
import { buildTestApp, Visitor } from './helper.js'
import { seedDemoContent } from '../src/demo.js'

t.test('demo content: the printed password opens the beheerder\'s account and no other', async t => {
  const app = await buildTestApp(t)
  const seeded = await seedDemoContent(app.db, { passwordCost: 10 })
  t.ok(seeded, 'seeded on an empty database')
  const members = await app.db.selectFrom('users').select(['username', 'role', 'password_hash']).execute()
  t.equal(new Set(members.map(m => m.password_hash)).size, members.length, 'every demo account has a password of its own')
  t.equal(members.find(m => m.username === seeded!.username)?.role, 'beheerder')
  t.equal((await new Visitor(app).login(seeded!.username, seeded!.password)).statusCode, 303, 'the beheerder logs in')
  for (const member of members.filter(m => m.username !== seeded!.username)) {
    const attempt = await new Visitor(app).submit('/login', '/login', { login: member.username, password: seeded!.password })
    t.equal(attempt.statusCode, 400, `${member.username} (${member.role}): the beheerder's password does not open it`)
  }
  t.equal(await seedDemoContent(app.db, { passwordCost: 10 }), null, 'never twice')
})
