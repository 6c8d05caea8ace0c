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

const inRange = (text: string | undefined, min: number, max: number): boolean =>
  text !== undefined && /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max

/** False for a wrong password and for a stored value that is not a hash we made (never throws on one). */
export async function verifyPassword (password: string, stored: string): Promise<boolean> {
  const [scheme, logN, r, p, salt, key] = stored.split('$')
  // Bounds keep a tampered row from asking scrypt for gigabytes.
  if (scheme !== 'scrypt' || !inRange(logN, 1, 20) || !inRange(r, 1, 16) || !inRange(p, 1, 4) || !salt || !key) return false
  const expected = Buffer.from(key, 'base64url')
  if (expected.length !== KEY_LENGTH) return false
  const actual = await derive(password, Buffer.from(salt, 'base64url'), optionsFor(Number(logN), Number(r), Number(p)))
  return timingSafeEqual(actual, expected)
}
