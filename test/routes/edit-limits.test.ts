import t, { type Test } from 'tap'
import { buildTestApp, decodeEntities, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'
import { REVISION_FOLD_MS } from '../../src/models/posts.js'
import type { Role } from '../../src/db/schema.js'

/** jan's topic with one reply, with the real posting limits (a lid waits 15 s, a bijdrager 5 s). */
async function setup (t: Test, role: Role = 'bijdrager') {
  const app = await buildTestApp(t, {}, {})
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan', role)
  await makeMember(app, 'mod', 'moderator')
  // Written a minute ago: within a lid's edit window.
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, replies: 1, now: Date.now() - 60_000 })
  const visitor = new Visitor(app)
  await visitor.login('jan', PASSWORD)
  const edit = (id: number, fields: Record<string, string>) => visitor.submit(`/post/${id}/edit`, `/post/${id}/edit`, fields)
  /** Moves the member's last edit back, as if that much time passed. */
  const later = (ms: number) => app.db.updateTable('users').set(eb => ({ last_edit_at: eb('last_edit_at', '-', ms) })).where('id', '=', jan.id).execute()
  const revisions = async (postId: number) => app.db.selectFrom('post_revisions').select(['body_md', 'title', 'created_at']).where('post_id', '=', postId).orderBy('id').execute()
  return { app, forum, jan, topic, ids, visitor, edit, later, revisions }
}

t.test('edits are spaced like posts', async t => {
  const { app, ids, edit, later } = await setup(t, 'lid')
  t.equal((await edit(ids[1], { body: 'Eerste correctie' })).statusCode, 303)
  const tooSoon = await edit(ids[1], { body: 'Tweede correctie' })
  t.equal(tooSoon.statusCode, 429, 'a second edit straight away waits')
  t.ok(Number(tooSoon.headers['retry-after']) <= 15, 'Retry-After is the lid spacing')
  t.match(decodeEntities(tooSoon.body), 'Je bewerkt te snel na je vorige bewerking', 'the form says why')
  t.match(tooSoon.body, 'Tweede correctie', 'and keeps the text')
  await later(16_000)
  t.equal((await edit(ids[1], { body: 'Tweede correctie' })).statusCode, 303, 'fine after 16 s')
  const post = await app.db.selectFrom('posts').select('body_md').where('id', '=', ids[1]).executeTakeFirstOrThrow()
  t.equal(post.body_md, 'Tweede correctie')
})

t.test('a burst of edits keeps one revision; a later edit a new one', async t => {
  const { ids, edit, later, revisions, app } = await setup(t)
  for (const text of ['Versie 1', 'Versie 2', 'Versie 3']) {
    t.equal((await edit(ids[1], { body: text })).statusCode, 303, text)
    await later(6000)
  }
  t.match(await revisions(ids[1]), [{ body_md: 'Reactie 1' }], 'one revision, holding the text from before the burst')
  t.equal((await revisions(ids[1])).length, 1)
  await app.db.updateTable('post_revisions').set(eb => ({ created_at: eb('created_at', '-', REVISION_FOLD_MS) })).execute()
  t.equal((await edit(ids[1], { body: 'Versie 4' })).statusCode, 303)
  t.match(await revisions(ids[1]), [{ body_md: 'Reactie 1' }, { body_md: 'Versie 3' }], 'after the fold window, a new revision')
})

t.test('the attack of 300 edits with 59 KB bodies and new titles stores almost nothing', async t => {
  const { app, topic, ids, edit } = await setup(t, 'lid')
  const big = 'x'.repeat(59_000)
  const answers: Record<number, number> = {}
  const started = Date.now()
  for (let i = 0; i < 300; i++) {
    const status = (await edit(ids[0], { title: `Nieuwe titel nummer ${i}`, body: `${big} ${i}` })).statusCode
    answers[status] = (answers[status] ?? 0) + 1
  }
  // A lid edits once per 15 s: however slow this machine, only a handful get through.
  const allowed = 1 + Math.floor((Date.now() - started) / 15_000)
  t.comment(`answers: ${JSON.stringify(answers)} in ${Date.now() - started} ms`)
  t.ok(answers[303] >= 1 && answers[303] <= allowed, `${answers[303]} edits went through (at most ${allowed}); the rest were too soon`)
  const revisionRows = await app.db.selectFrom('post_revisions').select('id').execute()
  const slugs = await app.db.selectFrom('topic_slugs').select('slug').where('topic_id', '=', topic.id).execute()
  t.ok(revisionRows.length <= 1, `revisions: ${revisionRows.length} (before: 300)`)
  t.ok(slugs.length <= Math.min(allowed, 3), `reserved old slugs: ${slugs.length} (before: 300)`)
})

t.test('a member may rename a topic three times a day; a moderator any time', async t => {
  const { app, topic, ids, edit, later } = await setup(t)
  for (const title of ['Eerste nieuwe titel', 'Tweede nieuwe titel', 'Derde nieuwe titel']) {
    t.equal((await edit(ids[0], { title, body: 'Eerste bericht' })).statusCode, 303, title)
    await later(6000)
  }
  const refused = await edit(ids[0], { title: 'Vierde nieuwe titel', body: 'Eerste bericht, aangevuld' })
  t.equal(refused.statusCode, 400, 'the fourth rename in a day is refused')
  t.match(refused.body, 'vandaag al vaak gewijzigd')
  t.match(refused.body, 'value="Vierde nieuwe titel"', 'the typed title is kept')
  t.match(refused.body, 'Eerste bericht, aangevuld', 'and the text')
  t.equal((await edit(ids[0], { title: 'Derde nieuwe titel', body: 'Alleen de tekst' })).statusCode, 303, 'the text alone may still change')

  const mod = new Visitor(app)
  await mod.login('mod', PASSWORD)
  const renamed = await mod.submit(`/post/${ids[0]}/edit`, `/post/${ids[0]}/edit`, { title: 'Titel van de moderator', body: 'Alleen de tekst' })
  t.equal(renamed.statusCode, 303, 'a moderator may rename')
  await app.db.updateTable('topic_slugs').set({ created_at: Date.now() - 25 * 3600_000 }).where('topic_id', '=', topic.id).execute()
  await later(6000)
  t.equal((await edit(ids[0], { title: 'Een dag later', body: 'Alleen de tekst' })).statusCode, 303, 'a day later the member may rename again')
})

t.test('only moderators change a locked or announced topic', async t => {
  for (const flag of ['locked', 'announced'] as const) {
    await t.test(flag, async t => {
      const { app, topic, ids, edit } = await setup(t)
      await app.db.updateTable('topics').set({ [flag]: 1 }).where('id', '=', topic.id).execute()
      const page = await new Visitor(app).get(`/topic/${topic.slug}`)
      t.equal(page.statusCode, 200)
      const own = await edit(ids[0], { title: 'Herschreven titel', body: 'Herschreven tekst' })
      t.equal(own.statusCode, 403, 'the author may not edit')
      t.match(own.body, flag === 'locked' ? 'Dit onderwerp is gesloten' : 'Dit onderwerp is een mededeling', 'the page says why')
      const row = await app.db.selectFrom('topics').innerJoin('posts', 'posts.topic_id', 'topics.id')
        .select(['topics.title', 'posts.body_md']).where('posts.id', '=', ids[0]).executeTakeFirstOrThrow()
      t.same(row, { title: 'Een vraag over verlof', body_md: 'Eerste bericht' }, 'nothing changed')
      const mod = new Visitor(app)
      await mod.login('mod', PASSWORD)
      t.equal((await mod.submit(`/post/${ids[1]}/edit`, `/post/${ids[1]}/edit`, { body: 'Door de moderator' })).statusCode, 303, 'a moderator may')
    })
  }
})
