import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const KEY_LENGTH = 64
const SALT_BYTES = 16

function derive (password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => error ? reject(error) : resolve(key))
  })
}

function optionsFor (logN: number, r: number, p: number): ScryptOptions {
  const N = 2 ** logN
  // scrypt needs 128·N·r bytes; leave headroom so node does not refuse.
  return { N, r, p, maxmem: 256 * N * r }
}

/** Format: scrypt$logN$r$p$salt$key (base64url), so old hashes still verify when the cost changes. */
export async function hashPassword (password: string, logN = 17): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const key = await derive(password, salt, optionsFor(logN, 8, 1))
  return ['scrypt', logN, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$')
}

export async function verifyPassword (password: string, stored: string): Promise<boolean> {
  const [scheme, logN, r, p, salt, key] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !key) return false
  const expected = Buffer.from(key, 'base64url')
  const actual = await derive(password, Buffer.from(salt, 'base64url'), optionsFor(Number(logN), Number(r), Number(p)))
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}
