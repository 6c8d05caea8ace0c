import t from 'tap'
import { hashPassword, verifyPassword } from '../../src/lib/passwords.js'

// A low cost keeps these quick; the cost travels inside the stored string.
const COST = 10
const SECRET = 'correct horse battery staple'

t.test('a hash verifies its own password and no other', async t => {
  const stored = await hashPassword(SECRET, COST)
  t.match(stored, /^scrypt\$10\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/, 'scrypt$logN$r$p$salt$key in base64url')
  t.notOk(stored.includes(SECRET), 'the password itself is not in the hash')
  t.equal(await verifyPassword(SECRET, stored), true)
  for (const wrong of ['', 'correct horse battery stapl', 'Correct horse battery staple', `${SECRET} `]) {
    t.equal(await verifyPassword(wrong, stored), false, `"${wrong}" does not verify`)
  }
})

t.test('the same password gets a different salt, and so a different hash, every time', async t => {
  const [a, b] = await Promise.all([hashPassword(SECRET, COST), hashPassword(SECRET, COST)])
  t.not(a.split('$')[4], b.split('$')[4], 'salts differ')
  t.not(a, b)
  t.equal(await verifyPassword(SECRET, a), true)
  t.equal(await verifyPassword(SECRET, b), true)
})

t.test('the cost is stored with the hash, so an older cost still verifies', async t => {
  const cheap = await hashPassword(SECRET, 4)
  t.equal(cheap.split('$')[1], '4')
  t.equal(await verifyPassword(SECRET, cheap), true)
})

t.test('a tampered hash does not verify', async t => {
  const stored = await hashPassword(SECRET, COST)
  const [scheme, logN, r, p, salt, key] = stored.split('$')
  const flip = (text: string): string => (text[0] === 'A' ? 'B' : 'A') + text.slice(1)
  const tampered: Record<string, string> = {
    'other key': [scheme, logN, r, p, salt, flip(key)].join('$'),
    'other salt': [scheme, logN, r, p, flip(salt), key].join('$'),
    'shorter key': [scheme, logN, r, p, salt, key.slice(0, -4)].join('$'),
    'other cost': [scheme, '11', r, p, salt, key].join('$'),
    'other r': [scheme, logN, '4', p, salt, key].join('$'),
    'other p': [scheme, logN, r, '2', salt, key].join('$'),
    'other scheme': ['bcrypt', logN, r, p, salt, key].join('$')
  }
  for (const [what, value] of Object.entries(tampered)) {
    t.equal(await verifyPassword(SECRET, value), false, what)
  }
})

t.test('a malformed stored string answers false instead of throwing', async t => {
  const salt = 'c2FsdHNhbHRzYWx0c2FsdA'
  const key = 'a2V5a2V5a2V5a2V5a2V5a2V5'
  const malformed = [
    '',
    'plain text',
    '$$$$$',
    'scrypt',
    'scrypt$',
    `scrypt$10$8$1$${salt}`,
    `scrypt$10$8$1$${salt}$`,
    `scrypt$10$8$1$$${key}`,
    `scrypt$10$8$1$!!!$***`,
    // Parameters node's scrypt refuses: they must not turn a login into a 500.
    `scrypt$x$8$1$${salt}$${key}`,
    `scrypt$$8$1$${salt}$${key}`,
    `scrypt$0$8$1$${salt}$${key}`,
    `scrypt$-1$8$1$${salt}$${key}`,
    `scrypt$10.5$8$1$${salt}$${key}`,
    `scrypt$99$8$1$${salt}$${key}`,
    `scrypt$10$0$1$${salt}$${key}`,
    `scrypt$10$8$0$${salt}$${key}`,
    `scrypt$10$x$y$${salt}$${key}`
  ]
  for (const stored of malformed) {
    let result: unknown
    try {
      result = await verifyPassword(SECRET, stored)
    } catch (error) {
      result = `threw: ${(error as Error).message}`
    }
    t.equal(result, false, `"${stored}" is false`)
  }
})
