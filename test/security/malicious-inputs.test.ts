import t from 'tap'
import { buildTestApp, csrfToken, NO_POSTING_LIMITS, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'
import { renderPost } from '../../src/lib/markdown.js'
import { FAST, Fuzzer, fuzzFixture, guardedState, INPUTS, stateChangingRoutes, stillStanding } from './fuzz.js'
import { leaksIn } from './inputs.js'

// The guest's part of the matrix is here; the lid's and the moderator's are in
// malicious-inputs-member.test.ts and malicious-inputs-moderator.test.ts.

async function count (app: Awaited<ReturnType<typeof buildTestApp>>, table: 'posts' | 'topics' | 'reports' | 'users' | 'sessions'): Promise<number> {
  return Number((await app.db.selectFrom(table).select(app.db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
}

t.test('a guest sends every malicious input to every state-changing route', async t => {
  const app = await buildTestApp(t, FAST, { ...NO_POSTING_LIMITS })
  const targets = await fuzzFixture(app)
  const before = await guardedState(app)
  const stored = { posts: await count(app, 'posts'), topics: await count(app, 'topics'), reports: await count(app, 'reports') }
  const routes = stateChangingRoutes(targets)
  t.equal(routes.length, 26, 'every state-changing route')
  t.ok(INPUTS.length >= 60, `${INPUTS.length} inputs`)
  const fuzzer = new Fuzzer(app, 'guest', null)
  const started = performance.now()

  for (const input of INPUTS) {
    const problems = await fuzzer.run(routes, input)
    problems.push(...await stillStanding(app))
    t.same(problems, [], input.name)
  }
  t.comment(`${INPUTS.length} inputs, ${fuzzer.requests} requests as a guest in ${Math.round(performance.now() - started)} ms`)

  const after = await guardedState(app)
  t.equal(await count(app, 'posts'), stored.posts, 'a guest posted nothing')
  t.equal(await count(app, 'topics'), stored.topics, 'a guest started no topic')
  t.equal(await count(app, 'reports'), stored.reports, 'a guest reported nothing')
  t.same(after.topics, before.topics, 'no topic flag changed')
  t.same(after.hiddenPosts, [], 'no post was hidden')
  t.equal(after.moderationLog, 0, 'nothing was written to the moderation log')
  t.same(after.roles, [{ username: 'mod', role: 'moderator' }], 'the only role above lid is the one set up; every sign-up is a lid')
  t.same(after.suspended, [], 'nobody was suspended')
})

const TOKEN_PAGE = '/login'
const multipart = (fields: Record<string, string>): string =>
  Object.entries(fields).map(([name, value]) => `--kring\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('') + '--kring--\r\n'

t.test('bodies that are not url-encoded forms are refused with 415', async t => {
  const app = await buildTestApp(t, FAST, { ...NO_POSTING_LIMITS })
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const { topic } = await makeTopic(app, { forumId: forum.id, author: jan })
  const guest = new Visitor(app)
  const guestToken = csrfToken((await guest.get(TOKEN_PAGE)).body)!
  const member = new Visitor(app)
  await member.login('jan', PASSWORD)
  const memberToken = csrfToken((await member.get(`/topic/${topic.slug}`)).body)!
  const firstPost = (await app.db.selectFrom('posts').select('id').where('topic_id', '=', topic.id).executeTakeFirstOrThrow()).id
  const posts = await count(app, 'posts')
  const sessions = await count(app, 'sessions')

  const attempts: Array<[url: string, who: Visitor, fields: Record<string, string>]> = [
    ['/login', guest, { _csrf: guestToken, login: 'jan', password: PASSWORD }],
    // The post forms take multipart (for files); a form without files takes none of these.
    [`/post/${firstPost}/report`, member, { _csrf: memberToken, reason: 'Via een ander formaat' }]
  ]
  for (const [url, who, fields] of attempts) {
    const bodies: Array<[contentType: string | undefined, payload: string]> = [
      ['application/json', JSON.stringify(fields)],
      ['application/json; charset=utf-8', JSON.stringify(fields)],
      ['text/plain', new URLSearchParams(fields).toString()],
      ['multipart/form-data; boundary=kring', multipart(fields)],
      ['application/xml', `<form>${Object.entries(fields).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</form>`],
      ['application/x-www-form-urlencoded-evil', new URLSearchParams(fields).toString()],
      [undefined, new URLSearchParams(fields).toString()]
    ]
    for (const [contentType, payload] of bodies) {
      // From an address of its own each time, so the login limit (6 a minute) stays out of the way.
      const response = await app.inject({
        method: 'POST', url, payload, remoteAddress: new Visitor(app).ip,
        headers: { cookie: who.cookieHeader, ...(contentType === undefined ? {} : { 'content-type': contentType }) }
      })
      t.equal(response.statusCode, 415, `${url} as ${contentType ?? 'no content type'}`)
      t.same(leaksIn(response.body, payload), [])
      t.notOk(String(response.headers['set-cookie'] ?? '').includes('kring_session'), 'no session handed out')
    }
  }
  t.equal(await count(app, 'posts'), posts, 'no post stored')
  t.equal(await count(app, 'reports'), 0, 'no report stored')
  t.equal(await count(app, 'sessions'), sessions, 'nobody logged in')
})

t.test('usernames that only look like a member\'s are refused; role fields at sign-up are ignored', async t => {
  const app = await buildTestApp(t, FAST)
  await makeMember(app, 'jan')
  await makeMember(app, 'paul')
  const lookalikes: Array<[string, string]> = [
    ['Cyrillic ј and а', 'јаn'],
    ['Cyrillic р and а', 'раul'],
    ['Latin and Greek mixed', 'jαn'],
    ['zero-width space', 'ja\u200bn'],
    ['zero-width joiner', 'pa\u200dul'],
    ['bidi override', 'jan\u202e'],
    ['bidi isolate', '\u2066jan\u2069'],
    ['fullwidth (NFKC makes it jan, which is taken)', 'ｊａｎ'],
    ['other case', 'JAN'],
    ['NUL inside (stripped to jan, which is taken)', 'ja\u0000n']
  ]
  for (const [name, username] of lookalikes) {
    const visitor = new Visitor(app)
    const response = await visitor.submit('/register', '/register', { username, email: `${visitor.ip}@example.org`, password: PASSWORD })
    t.equal(response.statusCode, 400, name)
    t.match(response.body, 'id="username-error"', `${name}: the error is next to the field`)
  }
  t.same((await app.db.selectFrom('users').select('username').orderBy('id').execute()).map(u => u.username), ['jan', 'paul'], 'nobody was added')

  const smuggled: Array<[name: string, extra: string]> = [
    ['role=beheerder', 'role=beheerder'],
    ['role and admin flags', 'role=moderator&is_admin=1&admin=true&user%5Brole%5D=beheerder'],
    ['__proto__ keys', '__proto__%5Brole%5D=beheerder&__proto__=beheerder'],
    ['constructor.prototype keys', 'constructor%5Bprototype%5D%5Brole%5D=beheerder'],
    ['role given twice', 'role=beheerder&role=moderator']
  ]
  for (const [i, [name, extra]] of smuggled.entries()) {
    const visitor = new Visitor(app)
    const token = csrfToken((await visitor.get('/register')).body)!
    const username = `nieuw${i}`
    const payload = `${new URLSearchParams({ _csrf: token, username, email: `${username}@example.org`, password: PASSWORD })}&${extra}`
    const response = await app.inject({
      method: 'POST', url: '/register', payload, remoteAddress: visitor.ip,
      headers: { cookie: visitor.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' }
    })
    t.equal(response.statusCode, 303, `${name}: the sign-up itself goes through`)
    const user = await app.db.selectFrom('users').select('role').where('username', '=', username).executeTakeFirst()
    t.equal(user?.role, 'lid', `${name}: the new member is a lid`)
    t.equal(({} as Record<string, unknown>).role, undefined, `${name}: Object.prototype untouched`)
  }
})

const HANGS: Array<[string, string]> = [
  ['50,000 spaces inside inline code', `\`a${' '.repeat(50_000)}b\``],
  ['inline code of only spaces', `\`${' '.repeat(50_000)}\``],
  ['10,000 nested quotes', `${'>'.repeat(10_000)} diep`],
  ['500 list items nested up to 60 deep', Array.from({ length: 500 }, (_, i) => `${'  '.repeat(i % 60)}- x`).join('\n')],
  ['50,000 brackets', '['.repeat(50_000)],
  ['50,000 brackets and parentheses', '[]('.repeat(16_000)],
  ['50,000 asterisks', '*'.repeat(50_000)],
  ['50,000 underscores and asterisks', '_*'.repeat(25_000)],
  ['20,000 backticks', '`'.repeat(20_000)],
  ['15,000 unclosed tags', '<a '.repeat(15_000)],
  ['12,000 link openers', '[a]('.repeat(12_000)]
]

t.test('Markdown built to hang a parser renders in under a second', async t => {
  const members = new Map([['jan', 'jan']])
  renderPost('warm up *the* parser', { members, trusted: false })
  for (const [name, source] of HANGS) {
    t.ok(source.length <= 60_000, `${name} fits in a post`)
    const started = performance.now()
    let html = ''
    try {
      html = renderPost(source, { members, trusted: false })
    } catch (error) {
      t.fail(`${name}: renderPost threw ${String(error)}`)
    }
    const ms = performance.now() - started
    t.ok(ms < 1000, `${name}: ${Math.round(ms)} ms`)
    t.notMatch(html, /<script|onerror/i)
  }

  const app = await buildTestApp(t, FAST, { ...NO_POSTING_LIMITS })
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  const { topic } = await makeTopic(app, { forumId: forum.id, author: jan })
  const member = new Visitor(app)
  await member.login('jan', PASSWORD)
  for (const [name, source] of HANGS) {
    const started = performance.now()
    const response = await member.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: source })
    t.ok(response.statusCode === 303 || response.statusCode === 400, `${name} as a reply: ${response.statusCode} in ${Math.round(performance.now() - started)} ms`)
    t.same(leaksIn(response.body, source), [], `${name}: nothing leaks`)
  }
  const page = await member.get(`/topic/${topic.slug}/page/2`)
  t.ok(page.statusCode < 500, 'the topic with those replies still opens')
  t.equal((await app.inject('/')).statusCode, 200)
})

t.test('ids that are not plain positive integers are not found', async t => {
  const app = await buildTestApp(t, FAST, { ...NO_POSTING_LIMITS })
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan')
  // jan owns posts 1 to 21, so an id read loosely ("01" as 1, "0x10" as 16) would find one of them.
  await makeTopic(app, { forumId: forum.id, author: jan, replies: 20, now: Date.now() - 60_000 })
  const member = new Visitor(app)
  await member.login('jan', PASSWORD)
  const token = csrfToken((await member.get('/post/1/edit')).body)!
  t.equal((await member.get('/post/1')).statusCode, 302, 'a plain id is found')
  t.equal((await member.postRaw('/post/1/edit', { _csrf: token, body: 'Bewerkt' })).statusCode, 303, 'and can be edited')

  const ids = ['0', '-1', '1.0', '1e3', '1e1', '0x10', '01', '%201', '1%20', '+1', '1_0', '%EF%BC%91', '9999999999999999999999', '9007199254740993', '2%00', 'NaN', 'Infinity']
  for (const id of ids) {
    t.equal((await member.get(`/post/${id}`)).statusCode, 404, `GET /post/${id}`)
    t.equal((await member.postRaw(`/post/${id}/edit`, { _csrf: token, body: 'Bewerkt via een raar id' })).statusCode, 404, `POST /post/${id}/edit`)
  }
  const edited = await app.db.selectFrom('posts').select('id').where('body_md', '=', 'Bewerkt via een raar id').execute()
  t.same(edited, [], 'no post was edited through a loosely read id')
})

t.test('a path that is not valid percent-encoding gets the forum\'s own 400 page', async t => {
  const app = await buildTestApp(t, FAST)
  const visitor = new Visitor(app)
  for (const url of ['/post/%C3%28', '/topic/%ff%fe', '/user/abc%', '/forum/%E0%A4%A']) {
    const response = await visitor.get(url)
    t.equal(response.statusCode, 400, url)
    t.match(String(response.headers['content-type']), /^text\/html; charset=utf-8/, `${url}: an HTML page, not the framework's JSON`)
    t.notMatch(response.body, /FST_ERR|"statusCode"/, `${url}: no framework error code`)
  }
})
