import t from 'tap'
import { slugify, uniqueSlug } from '../../src/lib/slugs.js'
import { buildTestApp, Visitor, textOfClass, postIds } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'

t.test('slugify: lowercase ASCII with hyphens', async t => {
  t.equal(slugify("Één vraag over cao's & verlof"), 'een-vraag-over-cao-s-verlof', 'Dutch diacritics and punctuation')
  t.equal(slugify('Café Ærø Straße'), 'cafe-aero-strasse', 'letters that do not decompose are transliterated')
  t.equal(slugify('Œuvre van Łódź, Þór en Đakovo'), 'oeuvre-van-lodz-thor-en-dakovo')
  t.equal(slugify('  Vragen?  Antwoorden!  '), 'vragen-antwoorden', 'no leading, trailing or double hyphens')
  t.equal(slugify('CAO 2026: loonsverhoging 3,5%'), 'cao-2026-loonsverhoging-3-5', 'digits are kept')
  t.equal(slugify('naïeve ideeën — übrigens'), 'naieve-ideeen-ubrigens')
  t.match(slugify('Één vraag'), /^[a-z0-9]+(-[a-z0-9]+)*$/, 'only a-z, 0-9 and single hyphens')
})

t.test('slugify: titles without letters or digits get the fallback', async t => {
  t.equal(slugify('!!! ??? ***'), 'onderwerp', 'the default fallback')
  t.equal(slugify('—–…'), 'onderwerp')
  t.equal(slugify('中文标题'), 'onderwerp', 'scripts without a transliteration')
  t.equal(slugify('&&&', 'forum'), 'forum', 'a caller-given fallback')
})

t.test('slugify: long titles are cut without a trailing hyphen', async t => {
  const slug = slugify('woord '.repeat(40))
  t.ok(slug.length <= 80, `at most 80 characters (got ${slug.length})`)
  t.notMatch(slug, /-$/, 'no trailing hyphen after cutting')
  t.match(slug, /^woord-woord/)
})

t.test('uniqueSlug appends -2, -3 on a clash', async t => {
  const taken = new Set(['verlof', 'verlof-2'])
  const isTaken = async (slug: string): Promise<boolean> => taken.has(slug)
  t.equal(await uniqueSlug('vakantie', isTaken), 'vakantie', 'a free slug is kept')
  t.equal(await uniqueSlug('verlof', isTaken), 'verlof-3', 'the first free suffix')
  taken.delete('verlof-2')
  t.equal(await uniqueSlug('verlof', isTaken), 'verlof-2')
})

t.test('a new topic gets its slug from its title', async t => {
  const app = await buildTestApp(t)
  await makeForum(app)
  await makeMember(app, 'anna')
  const anna = new Visitor(app)
  await anna.login('anna', PASSWORD)
  const res = await anna.submit('/forum/algemeen/new', '/forum/algemeen/new', { title: "Één vraag over cao's & verlof", body: 'Wie weet het?' })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/topic/een-vraag-over-cao-s-verlof', 'diacritics gone, hyphens, lowercase')
  const symbols = await anna.submit('/forum/algemeen/new', '/forum/algemeen/new', { title: '!!! ???', body: 'Alleen tekens' })
  t.equal(symbols.headers.location, '/topic/onderwerp', 'a title of symbols gets the fallback slug')
  const page = await anna.get('/topic/onderwerp')
  t.equal(page.statusCode, 200)
  t.equal(textOfClass(page.body, 'topic-title'), '!!! ???', 'the title itself is kept as typed')
})

t.test('three topics with one title get -2 and -3', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const anna = await makeMember(app, 'anna')
  const made = []
  for (let i = 0; i < 3; i++) made.push(await makeTopic(app, { forumId: forum.id, author: anna, title: 'Verlof' }))
  t.same(made.map(m => m.topic.slug), ['verlof', 'verlof-2', 'verlof-3'], 'slugs in order of creation')
  const visitor = new Visitor(app)
  for (const { topic, ids } of made) {
    const page = await visitor.get(`/topic/${topic.slug}`)
    t.equal(page.statusCode, 200, `/topic/${topic.slug} answers`)
    t.same(postIds(page.body), ids, `/topic/${topic.slug} shows its own posts`)
  }
})

t.test('a renamed topic answers at its new slug and redirects from the old one', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const annaMember = await makeMember(app, 'anna')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: annaMember, replies: 11, now: Date.now() - 5 * 60_000 })
  t.equal(topic.slug, 'een-vraag-over-verlof')
  const anna = new Visitor(app)
  await anna.login('anna', PASSWORD)

  const edit = await anna.submit(`/post/${ids[0]}/edit`, `/post/${ids[0]}/edit`, { title: 'Verlof in de zomer', body: 'Eerste bericht' })
  t.equal(edit.statusCode, 303, 'the edit is saved')
  t.equal(edit.headers.location, `/topic/verlof-in-de-zomer#post-${ids[0]}`, 'back to the post at its new address')

  const renamed = await anna.get('/topic/verlof-in-de-zomer')
  t.equal(renamed.statusCode, 200, 'the new slug answers')
  t.equal(textOfClass(renamed.body, 'topic-title'), 'Verlof in de zomer', 'with the new title')

  const old = await anna.get('/topic/een-vraag-over-verlof')
  t.equal(old.statusCode, 301, 'the old slug is a permanent redirect')
  t.equal(old.headers.location, '/topic/verlof-in-de-zomer')
  const oldPage2 = await anna.get('/topic/een-vraag-over-verlof/page/2')
  t.equal(oldPage2.statusCode, 301, 'also for a later page')
  t.equal(oldPage2.headers.location, '/topic/verlof-in-de-zomer/page/2')

  const fresh = await makeTopic(app, { forumId: forum.id, author: annaMember, title: 'Een vraag over verlof' })
  t.equal(fresh.topic.slug, 'een-vraag-over-verlof-2', 'the old slug is not given to a new topic')
  const stillOld = await anna.get('/topic/een-vraag-over-verlof')
  t.equal(stillOld.headers.location, '/topic/verlof-in-de-zomer', 'and keeps redirecting to the renamed topic')

  const back = await anna.submit(`/post/${ids[0]}/edit`, `/post/${ids[0]}/edit`, { title: 'Een vraag over verlof', body: 'Eerste bericht' })
  t.equal(back.headers.location, `/topic/een-vraag-over-verlof#post-${ids[0]}`, 'renamed back, a topic takes its own old slug again')
  const between = await anna.get('/topic/verlof-in-de-zomer/page/2')
  t.equal(between.statusCode, 301, 'the in-between slug now redirects')
  t.equal(between.headers.location, '/topic/een-vraag-over-verlof/page/2')
  const rows = await app.db.selectFrom('topics').select('slug').orderBy('id').execute()
  t.same(rows.map(r => r.slug), ['een-vraag-over-verlof', 'een-vraag-over-verlof-2'], 'slugs stay unique')
})

t.test('editing a reply does not rename its topic', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const annaMember = await makeMember(app, 'anna')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: annaMember, replies: 1, now: Date.now() - 5 * 60_000 })
  const anna = new Visitor(app)
  await anna.login('anna', PASSWORD)
  const res = await anna.submit(`/post/${ids[1]}/edit`, `/post/${ids[1]}/edit`, { title: 'Iets anders', body: 'Nieuwe reactie' })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, `/topic/${topic.slug}#post-${ids[1]}`, 'the slug is unchanged')
  const row = await app.db.selectFrom('topics').select(['title', 'slug']).where('id', '=', topic.id).executeTakeFirstOrThrow()
  t.same(row, { title: 'Een vraag over verlof', slug: topic.slug }, 'title and slug unchanged')
})

t.test('a new title with the same slug keeps the topic where it is', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const annaMember = await makeMember(app, 'anna')
  await makeTopic(app, { forumId: forum.id, author: annaMember, title: 'Verlof' })
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: annaMember, title: 'Verlof', now: Date.now() - 60_000 })
  t.equal(topic.slug, 'verlof-2')
  const anna = new Visitor(app)
  await anna.login('anna', PASSWORD)
  for (const title of ['Verlof!', 'verlof']) {
    const res = await anna.submit(`/post/${ids[0]}/edit`, `/post/${ids[0]}/edit`, { title, body: 'Eerste bericht' })
    t.equal(res.headers.location, `/topic/verlof-2#post-${ids[0]}`, `"${title}" slugifies to "verlof": the topic stays at verlof-2`)
  }
  const row = await app.db.selectFrom('topics').select(['title', 'slug']).where('id', '=', topic.id).executeTakeFirstOrThrow()
  t.same(row, { title: 'verlof', slug: 'verlof-2' }, 'the title changed, the slug did not')
})
