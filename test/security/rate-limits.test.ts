import t, { type Test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildTestApp, csrfToken, Visitor } from '../helper.js'
import { makeMember, PASSWORD } from '../factories.js'

const TOO_MANY = 'Te veel pogingen. Probeer het straks opnieuw.'

/** Date.now moved forward by hand: @fastify/rate-limit's LocalStore and the login lockout both read it. */
function stubClock (t: Test): (ms: number) => void {
  const realNow = Date.now
  let offset = 0
  Date.now = () => realNow() + offset
  t.teardown(() => { Date.now = realNow })
  return ms => { offset += ms }
}

function limited (t: Test, response: LightMyRequestResponse, what: string, maxSeconds: number): void {
  t.equal(response.statusCode, 429, `${what}: 429`)
  const retryAfter = Number(response.headers['retry-after'])
  t.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= maxSeconds, `${what}: Retry-After ${response.headers['retry-after']} (at most ${maxSeconds} s)`)
  t.match(response.body, TOO_MANY, `${what}: the page says why`)
  t.equal(response.headers['content-type'], 'text/html; charset=utf-8')
}

/** A visitor with a login form's token, who fails to log in as `login` on each call. */
async function loginAttempts (app: FastifyInstance, login = 'nobody-here', ip?: string): Promise<(password?: string) => Promise<LightMyRequestResponse>> {
  const visitor = new Visitor(app, ip)
  const token = csrfToken((await visitor.get('/login')).body)!
  return password => visitor.postRaw('/login', { _csrf: token, login, password: password ?? 'not the right password' })
}

t.test('login: 6 a minute and 30 an hour per address', async t => {
  const app = await buildTestApp(t)
  const advance = stubClock(t)
  const attempt = await loginAttempts(app)
  for (let i = 1; i <= 6; i++) t.equal((await attempt()).statusCode, 400, `attempt ${i} is heard (wrong password)`)
  limited(t, await attempt(), 'the 7th attempt within the minute', 60)

  const elsewhere = await loginAttempts(app)
  t.equal((await elsewhere()).statusCode, 400, 'another address is unaffected')

  // Four more fresh minutes of six attempts each: 30 heard in all.
  for (let minute = 2; minute <= 5; minute++) {
    advance(61_000)
    for (let i = 1; i <= 6; i++) t.equal((await attempt()).statusCode, 400, `minute ${minute}, attempt ${i}`)
    t.equal((await attempt()).statusCode, 429, `minute ${minute}: the 7th is refused again`)
  }
  advance(61_000)
  limited(t, await attempt(), 'the 31st attempt in the hour, in a fresh minute', 3600)
  t.equal((await elsewhere()).statusCode, 400, 'the other address still is unaffected')
  advance(3_600_000)
  t.equal((await attempt()).statusCode, 400, 'an hour later the address may try again')
})

t.test('login: guessing from many addresses slows down per account, and never locks the owner out', async t => {
  const app = await buildTestApp(t)
  const advance = stubClock(t)
  await makeMember(app, 'jan')
  await makeMember(app, 'els')
  // The owner logged in on this browser before: a known device.
  const owner = new Visitor(app)
  await owner.login('jan', PASSWORD)
  t.equal((await owner.submit('/', '/logout', {})).statusCode, 303, 'and logged out again')
  t.ok(owner.cookies.has('kring_known'), 'the browser is remembered')

  // 100 wrong passwords for jan, each from an address of its own (before the fix: the right password then answered 429 for an hour).
  let heard = 0
  for (let i = 1; i <= 100; i++) {
    const attempt = await loginAttempts(app, 'jan')
    const response = await attempt()
    if (response.statusCode === 400) heard++
    else if (response.statusCode !== 429) t.fail(`guess ${i} answered ${response.statusCode}`)
  }
  t.ok(heard >= 5 && heard <= 6, `a stranger's guesses are slowed after a few: ${heard} of 100 were tried`)

  t.equal((await owner.login('jan', PASSWORD)).statusCode, 303, 'the owner on a known device still logs in')
  const ownerWrong = new Visitor(app)
  for (const [name, value] of owner.cookies) if (name === 'kring_known') ownerWrong.cookies.set(name, value)
  const typo = await ownerWrong.submit('/login', '/login', { login: 'jan', password: 'een tikfout erin' })
  t.equal(typo.statusCode, 400, 'a typo on the known device is answered, not blocked')

  const stranger = await loginAttempts(app, 'jan')
  limited(t, await stranger(PASSWORD), 'the right password from an unknown device while the guessing goes on', 15 * 60)
  const forged = new Visitor(app)
  forged.cookies.set('kring_known', '1')
  const forgedAttempt = await forged.submit('/login', '/login', { login: 'jan', password: PASSWORD })
  t.equal(forgedAttempt.statusCode, 429, 'a known-device cookie that is not signed by Kring counts for nothing')
  t.equal((await new Visitor(app).login('els', PASSWORD)).statusCode, 303, 'another account is unaffected')

  // An attacker who waits exactly as long as told gets about a dozen guesses an hour.
  let tried = 0
  let waited = 0
  while (waited < 3600) {
    const response = await (await loginAttempts(app, 'jan'))()
    if (response.statusCode === 400) { tried++; continue }
    const seconds = Number(response.headers['retry-after'])
    t.ok(seconds >= 1 && seconds <= 900, 'Retry-After says how long')
    advance(seconds * 1000)
    waited += seconds
  }
  t.ok(tried <= 15, `guesses in the next hour of patient guessing: ${tried}`)

  advance(3_601_000)
  t.equal((await new Visitor(app).login('jan', PASSWORD)).statusCode, 303, 'an hour after the last guess any device logs in again')
})

t.test('registration: 10 an hour per address', async t => {
  const app = await buildTestApp(t)
  const visitor = new Visitor(app)
  const token = csrfToken((await visitor.get('/register')).body)!
  for (let i = 1; i <= 10; i++) {
    const response = await visitor.postRaw('/register', { _csrf: token, username: `n${i}`, email: 'geen-adres', password: 'kort' })
    t.equal(response.statusCode, 400, `sign-up ${i} is heard (and refused for its fields)`)
  }
  const eleventh = await visitor.postRaw('/register', { _csrf: token, username: 'elfde', email: 'elfde@example.org', password: PASSWORD })
  limited(t, eleventh, 'the 11th sign-up within the hour', 3600)
  t.same(await app.db.selectFrom('users').select('username').execute(), [], 'the refused sign-up stored nobody')

  const other = new Visitor(app)
  t.equal((await other.submit('/register', '/register', { username: 'elfde', email: 'elfde@example.org', password: PASSWORD })).statusCode, 303, 'another address signs up')
})

t.test('probing for pages that do not exist: 60 a minute per address', async t => {
  const app = await buildTestApp(t)
  const advance = stubClock(t)
  const prober = new Visitor(app)
  for (let i = 1; i <= 60; i++) {
    const response = await prober.get(`/wp-admin/probe-${i}.php`)
    if (response.statusCode !== 404) t.fail(`probe ${i} answered ${response.statusCode}`)
  }
  limited(t, await prober.get('/wp-admin/probe-61.php'), 'the 61st miss within the minute', 60)
  t.equal((await prober.get('/')).statusCode, 200, 'pages that exist still open for the prober')
  t.equal((await new Visitor(app).get('/wp-admin/probe-61.php')).statusCode, 404, 'another address still gets a 404')
  advance(61_000)
  t.equal((await prober.get('/wp-admin/probe-62.php')).statusCode, 404, 'a minute later the prober gets a 404 again')
})

async function probe (app: FastifyInstance, remoteAddress: string, forwardedFor: string): Promise<number> {
  return (await app.inject({ url: `/nope-${Math.random()}`, remoteAddress, headers: { 'x-forwarded-for': forwardedFor } })).statusCode
}

t.test('X-Forwarded-For decides the address only behind a trusted proxy', async t => {
  const proxied = await buildTestApp(t, { trustProxy: true })
  const proxy = '127.1.2.3'
  for (let i = 1; i <= 60; i++) {
    if (await probe(proxied, proxy, '203.0.113.7') !== 404) t.fail(`proxied probe ${i} was limited`)
  }
  t.equal(await probe(proxied, proxy, '203.0.113.7'), 429, 'trusted: the client behind the proxy is limited')
  t.equal(await probe(proxied, proxy, '203.0.113.8'), 404, 'trusted: another client behind the same proxy is not')

  const direct = await buildTestApp(t)
  const attacker = '127.4.5.6'
  for (let i = 1; i <= 60; i++) {
    if (await probe(direct, attacker, `198.51.100.${i}`) !== 404) t.fail(`direct probe ${i} was limited`)
  }
  t.equal(await probe(direct, attacker, '198.51.100.200'), 429, 'untrusted: a new X-Forwarded-For each time does not dodge the limit')
  t.equal(await probe(direct, '127.4.5.7', '198.51.100.1'), 404, 'untrusted: the limit follows the connection\'s address')

  // The same holds for the login limit.
  const logins = await loginAttempts(direct, 'nobody-here', '127.7.7.7')
  const forged = async (n: number): Promise<number> => (await direct.inject({
    method: 'POST', url: '/login', remoteAddress: '127.7.7.7',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `192.0.2.${n}` },
    payload: 'login=x&password=y'
  })).statusCode
  for (let i = 1; i <= 6; i++) await forged(i)
  t.equal((await logins()).statusCode, 429, 'untrusted: forged X-Forwarded-For logins count against the real address')
})
