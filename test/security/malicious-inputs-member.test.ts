import t from 'tap'
import { buildTestApp, NO_POSTING_LIMITS } from '../helper.js'
import { FAST, Fuzzer, fuzzFixture, guardedState, INPUTS, stateChangingRoutes, stillStanding } from './fuzz.js'

// The member's half of the malicious-input matrix (the guest's is in malicious-inputs.test.ts,
// the moderator's in malicious-inputs-moderator.test.ts): one file each keeps every run well
// inside tap's time limit. This is the slowest third (a member's requests render forms and
// write posts), so it asks for more room when CI runs it next to the browser test.
t.setTimeout(240_000)
t.test('a logged-in lid sends every malicious input to every state-changing route', async t => {
  const app = await buildTestApp(t, FAST, { ...NO_POSTING_LIMITS })
  const targets = await fuzzFixture(app)
  const before = await guardedState(app)
  const routes = stateChangingRoutes(targets)
  const fuzzer = new Fuzzer(app, 'lid', 'jan')
  const started = performance.now()

  for (const input of INPUTS) {
    const problems = await fuzzer.run(routes, input)
    problems.push(...await stillStanding(app))
    t.same(problems, [], input.name)
  }
  t.comment(`${INPUTS.length} inputs, ${fuzzer.requests} requests as a lid in ${Math.round(performance.now() - started)} ms`)

  const after = await guardedState(app)
  t.same(after.topics, before.topics, 'no topic was locked, pinned, hidden, announced or moved')
  t.same(after.hiddenPosts, before.hiddenPosts, 'no post was hidden')
  t.equal(after.moderationLog, 0, 'nothing was written to the moderation log')
  t.same(after.resolvedReports, [], 'no report was resolved')
  t.same(after.roles, before.roles, 'nobody gained a role')
  t.same(after.suspended, [], 'nobody was suspended')
  t.equal(after.forumModerators, 0, 'nobody was made moderator of a forum')
  const jan = await app.db.selectFrom('users').select('role').where('username', '=', 'jan').executeTakeFirstOrThrow()
  t.equal(jan.role, 'lid', 'the lid is still a lid')
})
