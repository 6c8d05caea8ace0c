import t from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildTestApp, csrfToken, decodeEntities, textOfClass, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'

/** What the browser shows in an input: its value attribute, entities decoded. */
function inputValue (html: string, id: string): string | undefined {
  const value = new RegExp(`<input id="${id}"[^>]*\\svalue="([^"]*)"`).exec(html)?.[1]
  return value === undefined ? undefined : decodeEntities(value)
}

/** The error shown next to a field (the element the input points to with aria-describedby). */
function fieldError (html: string, field: string): string | undefined {
  if (!new RegExp(`<input id="${field}"[^>]*aria-describedby="${field}-error"`).test(html)) return undefined
  return textOfClass(html.slice(html.indexOf(`id="${field}-error"`) - 40), 'field-error')
}

const sessionCookie = (res: LightMyRequestResponse): { value: string, httpOnly?: boolean, sameSite?: string, secure?: boolean } | undefined =>
  (res.cookies as Array<{ name: string, value: string }>).find(c => c.name === 'kring_session')

async function countRows (app: FastifyInstance, table: 'users' | 'sessions' | 'posts'): Promise<number> {
  const row = await app.db.selectFrom(table).select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

const accountNav = (html: string): string | undefined => textOfClass(html, 'account-nav')
const NEW = { username: 'nieuwkomer', email: 'Nieuw@Example.org', password: 'twaalf tekens' }

t.test('GET /register shows the form with a hidden CSRF token', async t => {
  const res = await new Visitor(await buildTestApp(t)).get('/register')
  t.equal(res.statusCode, 200)
  t.match(res.body, /<form method="post" action="\/register"/)
  t.match(res.body, /<input type="hidden" name="_csrf" value="[^"]{20,}">/)
  for (const field of ['username', 'email', 'password']) t.match(res.body, new RegExp(`name="${field}"`))
})

t.test('registering signs the new member in, as a lid', async t => {
  const app = await buildTestApp(t)
  const visitor = new Visitor(app)
  const res = await visitor.submit('/register', '/register', { ...NEW, role: 'beheerder' })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/')
  const cookie = sessionCookie(res)
  t.ok(cookie, 'a session cookie')
  t.match(cookie, { httpOnly: true, sameSite: 'Lax' })
  t.notOk(cookie?.secure, 'no Secure flag on a plain http BASE_URL')
  const user = await app.db.selectFrom('users').selectAll().where('username', '=', 'nieuwkomer').executeTakeFirstOrThrow()
  t.equal(user.role, 'lid', 'an extra role field is ignored')
  t.equal(user.email, 'Nieuw@Example.org')
  t.not(user.password_hash, NEW.password)
  t.match(accountNav((await visitor.get('/')).body), /^Nieuwste Groepen Bijeenkomsten Leden Ongelezen Meldingen 0 nieuwkomer Mijn account Uitloggen$/, 'the header shows the member')
  const profile = await visitor.get('/user/nieuwkomer')
  t.equal(profile.statusCode, 200)
  t.equal(textOfClass(profile.body, 'profile-role'), 'Lid')
})

t.test('on an https BASE_URL the session cookie is Secure', async t => {
  const visitor = new Visitor(await buildTestApp(t, { baseUrl: 'https://forum.example' }))
  const res = await visitor.submit('/register', '/register', NEW)
  t.equal(res.statusCode, 303)
  t.match(sessionCookie(res), { secure: true, httpOnly: true, sameSite: 'Lax' })
  t.match(String(res.headers['set-cookie']), /kring_session=[^;]+;.*; Secure/)
})

t.test('the password is stored as scrypt with the configured cost', async t => {
  const app = await buildTestApp(t, { passwordCost: 17 })
  const visitor = new Visitor(app)
  t.equal((await visitor.submit('/register', '/register', NEW)).statusCode, 303)
  const { password_hash: hash } = await app.db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow()
  t.match(hash, /^scrypt\$17\$8\$1\$[A-Za-z0-9_-]{16,}\$[A-Za-z0-9_-]{40,}$/)
  t.notOk(hash.includes(NEW.password))
  const again = new Visitor(app)
  t.equal((await again.submit('/login', '/login', { login: 'nieuwkomer', password: NEW.password })).statusCode, 303, 'and logs in')
})

t.test('the limits are inclusive: 3 and 30 characters, a 12-character password', async t => {
  const cases = [
    { username: 'abc', email: 'a@example.org', password: 'x'.repeat(12) },
    { username: 'a'.repeat(30), email: 'b@example.org', password: 'y'.repeat(200) },
    { username: 'J.de_Vries-2', email: 'c@example.org', password: 'z'.repeat(12) }
  ]
  const app = await buildTestApp(t)
  for (const fields of cases) {
    const res = await new Visitor(app).submit('/register', '/register', fields)
    t.equal(res.statusCode, 303, `${fields.username} / password of ${fields.password.length}`)
  }
  const names = await app.db.selectFrom('users').select('username').orderBy('id').execute()
  t.same(names.map(u => u.username), cases.map(c => c.username))
})

const invalid = [
  { why: 'username of 2', fields: { username: 'ab' }, field: 'username', error: 'Een gebruikersnaam heeft 3 tot 30 tekens.' },
  { why: 'username of 31', fields: { username: 'a'.repeat(31) }, field: 'username', error: 'Een gebruikersnaam heeft 3 tot 30 tekens.' },
  { why: 'username with spaces', fields: { username: 'jan de vries' }, field: 'username', error: 'Gebruik alleen letters, cijfers, _ . en -.' },
  { why: 'username with markup', fields: { username: '<b>x</b>' }, field: 'username', error: 'Gebruik alleen letters, cijfers, _ . en -.' },
  { why: 'username taken in another case', fields: { username: 'Jan' }, field: 'username', error: 'Deze gebruikersnaam is al in gebruik.' },
  { why: 'e-mail taken in another case', fields: { email: 'JAN@Example.ORG' }, field: 'email', error: 'Er is al een account met dit e-mailadres.' },
  { why: 'invalid e-mail', fields: { email: 'jan.example.org' }, field: 'email', error: 'Dit is geen geldig e-mailadres.' },
  { why: 'e-mail with a space', fields: { email: 'jan de@example.org' }, field: 'email', error: 'Dit is geen geldig e-mailadres.' },
  { why: 'password of 11', fields: { password: 'x'.repeat(11) }, field: 'password', error: 'Het wachtwoord moet minstens 12 tekens hebben.' },
  { why: 'password of 201', fields: { password: 'x'.repeat(201) }, field: 'password', error: 'Het wachtwoord mag hoogstens 200 tekens hebben.' }
]

for (const { why, fields, field, error } of invalid) {
  t.test(`registering with ${why} answers 400, keeps the input and stores nothing`, async t => {
    const app = await buildTestApp(t)
    await makeMember(app, 'jan')
    const typed = { ...NEW, ...fields }
    const res = await new Visitor(app).submit('/register', '/register', typed)
    t.equal(res.statusCode, 400)
    t.equal(fieldError(res.body, field), error, 'the error is next to the field')
    t.equal(inputValue(res.body, 'username'), typed.username, 'username kept')
    t.equal(inputValue(res.body, 'email'), typed.email, 'e-mail kept')
    if (typed.username.includes('<')) t.notMatch(res.body, '<b>x</b>', 'markup is shown escaped')
    t.equal(await countRows(app, 'users'), 1, 'no new user')
    t.equal(await countRows(app, 'sessions'), 0, 'no session')
    t.notOk(sessionCookie(res), 'no session cookie')
  })
}

t.test('logging in by username or e-mail, in any case', async t => {
  const app = await buildTestApp(t)
  await makeMember(app, 'jan')
  for (const login of ['jan', 'JAN', 'jan@example.org', 'Jan@Example.ORG', '  jan  ']) {
    const visitor = new Visitor(app)
    const res = await visitor.submit('/login', '/login', { login, password: PASSWORD })
    t.equal(res.statusCode, 303, `"${login}"`)
    t.equal(res.headers.location, '/')
    t.equal(accountNav((await visitor.get('/')).body), 'Nieuwste Groepen Bijeenkomsten Leden Ongelezen Meldingen 0 jan Mijn account Uitloggen')
  }
})

t.test('after login the member goes to `next` only when it is a local path', async t => {
  const app = await buildTestApp(t)
  await makeMember(app, 'jan')
  const targets = [
    ['/topic/x?page=2', '/topic/x?page=2'],
    ['//evil.example', '/'],
    ['https://evil.example', '/'],
    ['/\\evil.example', '/'],
    ['javascript:alert(1)', '/']
  ]
  for (const [next, location] of targets) {
    const res = await new Visitor(app).submit('/login', '/login', { login: 'jan', password: PASSWORD, next })
    t.equal(res.statusCode, 303)
    t.equal(res.headers.location, location, `next=${next}`)
  }
})

t.test('the login form carries only a local `next`', async t => {
  const visitor = new Visitor(await buildTestApp(t))
  const hidden = async (url: string): Promise<string | undefined> =>
    decodeEntities(/<input type="hidden" name="next" value="([^"]*)">/.exec((await visitor.get(url)).body)?.[1] ?? 'missing')
  t.equal(await hidden('/login?next=%2Ftopic%2Fx%3Fpage%3D2'), '/topic/x?page=2')
  for (const next of ['//evil.example', 'https://evil.example', '/\\evil.example', 'javascript:alert(1)']) {
    t.equal(await hidden(`/login?next=${encodeURIComponent(next)}`), '', `next=${next} is dropped`)
  }
})

t.test('a wrong password and an unknown user get the same 400, keep the login, and set no session', async t => {
  const app = await buildTestApp(t)
  await makeMember(app, 'jan')
  const messages = []
  for (const [login, password] of [['jan', 'wrong password!'], ['nobody', PASSWORD], ['', PASSWORD]]) {
    const res = await new Visitor(app).submit('/login', '/login', { login, password })
    t.equal(res.statusCode, 400, `${login} / ${password}`)
    t.equal(inputValue(res.body, 'login'), login, 'the login is kept')
    t.notOk(sessionCookie(res), 'no session cookie')
    messages.push(textOfClass(res.body, 'field-error'))
  }
  t.same(messages, Array(3).fill('Onbekende gebruikersnaam of e-mailadres, of een onjuist wachtwoord.'), 'one generic message')
  t.equal(await countRows(app, 'sessions'), 0)
})

t.test('a member whose stored hash is damaged gets the login error, not a server error', async t => {
  const app = await buildTestApp(t)
  const jan = await makeMember(app, 'jan')
  await app.db.updateTable('users').set({ password_hash: 'scrypt$x$8$1$c2FsdA$a2V5' }).where('id', '=', jan.id).execute()
  const res = await new Visitor(app).submit('/login', '/login', { login: 'jan', password: PASSWORD })
  t.equal(res.statusCode, 400)
  t.equal(textOfClass(res.body, 'field-error'), 'Onbekende gebruikersnaam of e-mailadres, of een onjuist wachtwoord.')
})

t.test('logging out ends the session', async t => {
  const app = await buildTestApp(t)
  await makeMember(app, 'jan')
  const visitor = new Visitor(app)
  await visitor.login('jan', PASSWORD)
  const cookie = visitor.cookies.get('kring_session')!
  const token = csrfToken((await visitor.get('/')).body)!

  const refused = await visitor.postRaw('/logout', {})
  t.equal(refused.statusCode, 403, 'no token: refused')
  t.equal(await countRows(app, 'sessions'), 1, 'the session stays')
  t.equal(accountNav((await visitor.get('/')).body), 'Nieuwste Groepen Bijeenkomsten Leden Ongelezen Meldingen 0 jan Mijn account Uitloggen', 'and still works')

  const res = await visitor.postRaw('/logout', { _csrf: token })
  t.equal(res.statusCode, 303)
  t.equal(res.headers.location, '/')
  t.equal(await countRows(app, 'sessions'), 0, 'the session row is gone')
  t.notOk(visitor.cookies.has('kring_session'), 'the cookie is cleared')
  const replay = new Visitor(app)
  replay.cookies.set('kring_session', cookie)
  t.equal(accountNav((await replay.get('/')).body), 'Nieuwste Groepen Bijeenkomsten Inloggen Registreren', 'the old cookie no longer signs in')
})

const forged: Record<string, (app: FastifyInstance, visitor: Visitor, form: string) => Promise<Record<string, string>>> = {
  'no token': async () => ({}),
  'a garbage token': async () => ({ _csrf: 'garbage' }),
  "another visitor's token": async (app, visitor, form) => {
    await visitor.get(form)
    return { _csrf: csrfToken((await new Visitor(app).get(form)).body)! }
  }
}

for (const [kind, tokenFor] of Object.entries(forged)) {
  for (const [form, fields] of [['/login', { login: 'jan', password: PASSWORD }], ['/register', NEW]] as const) {
    t.test(`POST ${form} with ${kind} answers 403 and changes nothing`, async t => {
      const app = await buildTestApp(t)
      await makeMember(app, 'jan')
      const visitor = new Visitor(app)
      const res = await visitor.postRaw(form, { ...fields, ...await tokenFor(app, visitor, form) })
      t.equal(res.statusCode, 403)
      t.equal(textOfClass(res.body, 'error-reason'), 'Het formulier is verlopen of ongeldig. Ga terug, laad de pagina opnieuw en probeer het nog eens.')
      t.notOk(sessionCookie(res), 'not logged in')
      t.equal(await countRows(app, 'users'), 1, 'no user stored')
      t.equal(await countRows(app, 'sessions'), 0, 'no session stored')
    })
  }
}

t.test('a token is bound to the session: a guest token stops working once the guest logs in', async t => {
  const app = await buildTestApp(t)
  const jan = await makeMember(app, 'jan')
  const { topic } = await makeTopic(app, { forumId: (await makeForum(app)).id, author: jan })
  const visitor = new Visitor(app)
  const guestToken = csrfToken((await visitor.get('/login')).body)!
  const login = await visitor.postRaw('/login', { _csrf: guestToken, login: 'jan', password: PASSWORD })
  t.equal(login.statusCode, 303, 'the guest token is good for logging in')

  const stale = await visitor.postRaw(`/topic/${topic.slug}/reply`, { _csrf: guestToken, body: 'Met een oud token' })
  t.equal(stale.statusCode, 403)
  t.match(textOfClass(stale.body, 'error-reason'), /formulier is verlopen/)
  t.equal(await countRows(app, 'posts'), 1, 'no reply stored')

  const fresh = await visitor.submit(`/topic/${topic.slug}`, `/topic/${topic.slug}/reply`, { body: 'Met een nieuw token' })
  t.equal(fresh.statusCode, 303, 'a token from a page seen after login works')
  t.equal(await countRows(app, 'posts'), 2)
})

t.test('a member who is logged in is sent on from /login and /register', async t => {
  const app = await buildTestApp(t)
  await makeMember(app, 'jan')
  const jan = new Visitor(app)
  await jan.login('jan', PASSWORD)
  const login = await jan.get('/login?next=%2Flatest')
  t.equal(login.statusCode, 303)
  t.equal(login.headers.location, '/latest', 'to where they were going')
  t.equal((await jan.get('/login?next=https%3A%2F%2Fevil.example')).headers.location, '/', 'never off the site')
  const register = await jan.get('/register')
  t.equal(register.headers.location, '/', 'and from the sign-up form home')
  t.equal((await new Visitor(app).get('/login')).statusCode, 200, 'a guest gets the form')
})
