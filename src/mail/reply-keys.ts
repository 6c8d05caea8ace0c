import { createHmac, timingSafeEqual } from 'node:crypto'

/** The largest mail taken in (by `kring mail-in` or the SMTP listener); past it the sender is told no. */
export const MAX_INBOUND_BYTES = 10 * 1024 * 1024

/** The key in a reply address: member and post, signed, so nobody can post as someone else by guessing. */
export function replyKey (secret: string, userId: number, postId: number): string {
  return `${userId}-${postId}-${createHmac('sha256', secret).update(`reply:${userId}:${postId}`).digest('hex').slice(0, 20)}`
}

export function readReplyKey (secret: string, key: string): { userId: number, postId: number } | null {
  const match = /^(\d{1,12})-(\d{1,12})-([0-9a-f]{20})$/.exec(key)
  if (!match) return null
  const expected = Buffer.from(replyKey(secret, Number(match[1]), Number(match[2])))
  const given = Buffer.from(key)
  return expected.length === given.length && timingSafeEqual(expected, given) ? { userId: Number(match[1]), postId: Number(match[2]) } : null
}

export function replyAddressFor (template: string, secret: string, userId: number, postId: number): string {
  return template.replace('%{key}', replyKey(secret, userId, postId))
}
