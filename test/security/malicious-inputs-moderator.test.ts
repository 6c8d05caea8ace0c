import t from 'tap'
import { buildTestApp, NO_POSTING_LIMITS } from '../helper.js'
import { FAST, Fuzzer, fuzzFixture, guardedState, INPUTS, MODERATION_ROUTES, stateChangingRoutes, stillStanding } from './fuzz.js'

const KNOWN_ACTS = new Set([
  ...['lock', 'unlock', 'pin', 'unpin', 'announce', 'unannounce', 'hide', 'unhide', 'move', 'split', 'merge'].map(act => `topic.${act}`),
  'post.hide', 'post.unhide', 'post.approve', 'report.upheld', 'report.dismissed',
  'member.suspend', 'member.unsuspend', 'member.role', 'member.forums'
])

// The moderator's part of the malicious-input matrix: the moderation routes, where a
// moderator's request gets past the permission check and reaches the handlers' own parsing.
t.test('a moderator sends every malicious input to every moderation route', async t => {
  const app = await buildTestApp(t, FAST, { ...NO_POSTING_LIMITS })
  const targets = await fuzzFixture(app)
  const before = await guardedState(app)
  const routes = stateChangingRoutes(targets).filter(route => MODERATION_ROUTES.includes(route.name))
  t.equal(routes.length, MODERATION_ROUTES.length)
  const fuzzer = new Fuzzer(app, 'moderator', 'mod')
  const started = performance.now()

  for (const input of INPUTS) {
    const problems = await fuzzer.run(routes, input)
    problems.push(...await stillStanding(app))
    t.same(problems, [], input.name)
  }
  t.comment(`${INPUTS.length} inputs, ${fuzzer.requests} requests as a moderator in ${Math.round(performance.now() - started)} ms`)

  const after = await guardedState(app)
  t.same(after.roles, before.roles, 'nobody gained or lost a role: a moderator cannot appoint')
  t.equal(after.forumModerators, 0, 'forum assignments stay with the beheerder')
  const mod = await app.db.selectFrom('users').select('id').where('username', '=', 'mod').executeTakeFirstOrThrow()
  const strangers = await app.db.selectFrom('moderation_log').select('id').where('moderator_id', '!=', mod.id).execute()
  t.same(strangers, [], 'every logged act is the moderator\'s own')
  // Only acts the moderation routes know may be logged: an action named "__proto__" is no act.
  const logged = await app.db.selectFrom('moderation_log').select('action').distinct().execute()
  t.same(logged.map(row => row.action).filter(action => !KNOWN_ACTS.has(action)), [], 'no unknown action was carried out and logged')
})
