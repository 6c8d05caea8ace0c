import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { pageLinks, pageOfPosition, paginate, parsePageParam } from '../../src/lib/pagination.js'
import type { Config } from '../../src/config.js'
import { buildTestApp, Visitor, allTextOfClass, postIds } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'

t.test('paginate: first and last item, page count, past the end', async t => {
  t.same(paginate(1, 10, 11), { number: 1, perPage: 10, total: 11, pageCount: 2, first: 1, last: 10 })
  t.same(paginate(2, 10, 11), { number: 2, perPage: 10, total: 11, pageCount: 2, first: 11, last: 11 })
  t.equal(paginate(3, 10, 11), null, 'past the end')
  t.equal(paginate(2, 10, 10), null, 'ten items fill exactly one page')
  t.equal(paginate(0, 10, 10), null, 'page 0')
  t.equal(paginate(1.5, 10, 10), null, 'a fraction')
  t.same(paginate(1, 10, 0)?.pageCount, 1, 'page 1 of an empty list exists')
})

t.test('pageOfPosition', async t => {
  t.same([1, 10, 11, 20, 21].map(p => pageOfPosition(p, 10)), [1, 1, 2, 2, 3])
})

t.test('parsePageParam accepts only plain positive integers', async t => {
  t.equal(parsePageParam(undefined), 1, 'no page is page 1')
  t.equal(parsePageParam('2'), 2)
  for (const bad of ['0', '-1', 'abc', '1.5', '1e3', '', ' 2', '9999999999']) t.equal(parsePageParam(bad), null, `"${bad}" is no page`)
})

t.test('pageLinks: first, last, two either side, gaps between', async t => {
  const page = paginate(10, 10, 200)!
  const links = pageLinks(page, n => `/p/${n}`)
  t.same(links.map(l => l.gap ? '…' : l.number), [1, '…', 8, 9, 10, 11, 12, '…', 20])
  t.same(links.filter(l => l.current).map(l => l.href), ['/p/10'], 'the current page is marked')
})

/** A fresh app with one topic of `count` posts (the first post counts). */
async function topicOf (t: Test, count: number, config: Partial<Config> = {}) {
  const app = await buildTestApp(t, config)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, replies: count - 1 })
  return { app, slug: topic.slug, ids, visitor: new Visitor(app) }
}

const nl = (count: number, first: number, last: number, total: number): string =>
  `${count} ${count === 1 ? 'bericht' : 'berichten'} aan het bekijken - ${first} tot ${last} (van in totaal ${total})`

for (const total of [1, 10, 11, 20, 21]) {
  t.test(`a topic of ${total} posts, 10 a page`, async t => {
    const { slug, ids, visitor } = await topicOf(t, total)
    const pageCount = Math.ceil(total / 10)
    for (let n = 1; n <= pageCount; n++) {
      const url = n === 1 ? `/topic/${slug}` : `/topic/${slug}/page/${n}`
      const res = await visitor.get(url)
      t.equal(res.statusCode, 200, `${url} answers`)
      const first = (n - 1) * 10 + 1
      const last = Math.min(total, n * 10)
      const summary = nl(last - first + 1, first, last, total)
      t.same(allTextOfClass(res.body, 'pagination-count'), [summary, summary], `${url}: "${summary}" above and below`)
      t.same(postIds(res.body), ids.slice(first - 1, last), `${url}: posts ${first}–${last} in position order`)
      if (pageCount > 1) {
        t.match(res.body, 'class="page-links"', `${url} has page links`)
        t.match(res.body, `<span class="current" aria-current="page">${n}</span>`, `${url} marks page ${n} as current`)
        for (let other = 1; other <= pageCount; other++) {
          if (other === n) continue
          const href = other === 1 ? `/topic/${slug}` : `/topic/${slug}/page/${other}`
          t.match(res.body, `<a href="${href}">${other}</a>`, `${url} links to page ${other}`)
        }
      } else {
        t.notMatch(res.body, 'class="page-links"', `${url}: no page links for a single page`)
      }
    }
    const page1 = await visitor.get(`/topic/${slug}/page/1`)
    t.equal(page1.statusCode, 200, '/page/1 exists')
    t.same(postIds(page1.body), ids.slice(0, 10), '/page/1 shows the first page')
    const past = await visitor.get(`/topic/${slug}/page/${pageCount + 1}`)
    t.equal(past.statusCode, 404, `page ${pageCount + 1} is past the end`)
    t.match(past.body, 'Niet gevonden', 'with a not-found page')
  })
}

t.test('pages that are no pages answer 404', async t => {
  const { slug, visitor } = await topicOf(t, 10)
  for (const n of ['0', 'abc', '-1', '1.5', '2']) {
    const res = await visitor.get(`/topic/${slug}/page/${n}`)
    t.equal(res.statusCode, 404, `/page/${n} of a 10-post topic is 404`)
  }
  t.equal((await visitor.get('/topic/no-such-topic')).statusCode, 404, 'an unknown topic is 404')
})

t.test('English wording', async t => {
  const { slug, visitor } = await topicOf(t, 12, { locale: 'en' })
  const one = await visitor.get(`/topic/${slug}`)
  t.same(allTextOfClass(one.body, 'pagination-count'), Array(2).fill('Viewing 10 posts - 1 through 10 (of 12 total)'), 'page 1')
  const two = await visitor.get(`/topic/${slug}/page/2`)
  t.same(allTextOfClass(two.body, 'pagination-count'), Array(2).fill('Viewing 2 posts - 11 through 12 (of 12 total)'), 'page 2')
  const single = await topicOf(t, 11, { locale: 'en' })
  const last = await single.visitor.get(`/topic/${single.slug}/page/2`)
  t.same(allTextOfClass(last.body, 'pagination-count'), Array(2).fill('Viewing 1 post - 11 through 11 (of 11 total)'), 'singular')
})

t.test('Swedish wording', async t => {
  const { slug, visitor } = await topicOf(t, 12, { locale: 'sv' })
  const one = await visitor.get(`/topic/${slug}`)
  t.same(allTextOfClass(one.body, 'pagination-count'), Array(2).fill('Visar 10 inlägg - 1 till 10 (av totalt 12)'), 'page 1')
  const two = await visitor.get(`/topic/${slug}/page/2`)
  t.same(allTextOfClass(two.body, 'pagination-count'), Array(2).fill('Visar 2 inlägg - 11 till 12 (av totalt 12)'), 'page 2')
})

/** Adds replies straight into the database, so a topic of thousands of posts is cheap. */
async function growTopic (app: FastifyInstance, slug: string, total: number): Promise<number[]> {
  await app.db.transaction().execute(async trx => {
    const topic = await trx.selectFrom('topics').selectAll().where('slug', '=', slug).executeTakeFirstOrThrow()
    const rows = []
    for (let position = 2; position <= total; position++) {
      rows.push({
        topic_id: topic.id, author_id: topic.author_id, position, visible_position: position,
        body_md: `Reactie ${position}`, body_html: `<p>Reactie ${position}</p>`, created_at: topic.created_at + position
      })
    }
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto('posts').values(rows.slice(i, i + 500)).execute()
    await trx.updateTable('topics').set({ post_count: total, visible_post_count: total, reply_count: total - 1 })
      .where('id', '=', topic.id).execute()
  })
  const posts = await app.db.selectFrom('posts').select('id').orderBy('position').execute()
  return posts.map(p => p.id)
}

t.test('numbers get Dutch thousands separators', async t => {
  const { app, slug, visitor } = await topicOf(t, 1)
  const ids = await growTopic(app, slug, 2001)
  app.settings.posts_per_page = 5
  const page400 = await visitor.get(`/topic/${slug}/page/400`)
  t.equal(page400.statusCode, 200)
  t.same(allTextOfClass(page400.body, 'pagination-count'),
    Array(2).fill('5 berichten aan het bekijken - 1.996 tot 2.000 (van in totaal 2.001)'), 'page 400 of 401')
  t.same(postIds(page400.body), ids.slice(1995, 2000), 'posts 1996–2000 in order')
  t.match(page400.body, `<a href="/topic/${slug}/page/401">401</a>`, 'links to the last page')
  t.match(page400.body, `<a href="/topic/${slug}">1</a>`, 'links to the first page')
  const page401 = await visitor.get(`/topic/${slug}/page/401`)
  t.same(allTextOfClass(page401.body, 'pagination-count'),
    Array(2).fill('1 bericht aan het bekijken - 2.001 tot 2.001 (van in totaal 2.001)'), 'the last page')
  t.equal((await visitor.get(`/topic/${slug}/page/402`)).statusCode, 404, 'page 402 is past the end')

  app.settings.posts_per_page = 1000
  const big = await visitor.get(`/topic/${slug}/page/2`)
  t.same(allTextOfClass(big.body, 'pagination-count'),
    Array(2).fill('1.000 berichten aan het bekijken - 1.001 tot 2.000 (van in totaal 2.001)'), 'a count of a thousand too')
  t.equal(postIds(big.body).length, 1000, 'a thousand posts on the page')
})

t.test('English thousands separators', async t => {
  const { app, slug, visitor } = await topicOf(t, 1, { locale: 'en' })
  await growTopic(app, slug, 2001)
  app.settings.posts_per_page = 5
  const res = await visitor.get(`/topic/${slug}/page/400`)
  t.same(allTextOfClass(res.body, 'pagination-count'), Array(2).fill('Viewing 5 posts - 1,996 through 2,000 (of 2,001 total)'))
})
