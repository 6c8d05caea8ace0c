import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'

/** What a member may upload as an avatar; it is stored as a 256 × 256 WebP without any metadata (EXIF, location). */
export const AVATAR_MAX_BYTES = 2 * 1024 * 1024
const AVATAR_SIZE = 256
const ACCEPTED = new Set(['png', 'jpeg', 'webp'])
/** A stored avatar's name: generated, never the uploaded one. */
export const AVATAR_FILE = /^[0-9a-f]{32}\.webp$/

export class AvatarError extends Error {}

/**
 * Checks an uploaded image by its content (not its name or stated type), re-encodes it
 * square and small, and stores it under `dir`; returns the stored file name. Re-encoding drops
 * EXIF and location data and anything hidden in the file.
 */
export async function storeAvatar (dir: string, data: Buffer): Promise<string> {
  if (data.length === 0) throw new AvatarError('profile.avatar_empty')
  if (data.length > AVATAR_MAX_BYTES) throw new AvatarError('profile.avatar_too_large')
  let image: Buffer
  try {
    // Loaded on first use: the native image library costs start-up time every page does not need.
    const { default: sharp } = await import('sharp')
    const source = sharp(data, { limitInputPixels: 40_000_000, failOn: 'error' })
    const { format } = await source.metadata()
    if (format === undefined || !ACCEPTED.has(format)) throw new AvatarError('profile.avatar_type')
    image = await source.rotate().resize(AVATAR_SIZE, AVATAR_SIZE, { fit: 'cover' }).webp({ quality: 82 }).toBuffer()
  } catch (error) {
    if (error instanceof AvatarError) throw error
    throw new AvatarError('profile.avatar_type')
  }
  const name = `${randomBytes(16).toString('hex')}.webp`
  await fs.mkdir(dir, { recursive: true })
  const temporary = path.join(dir, `.${name}.tmp`)
  await fs.writeFile(temporary, image)
  await fs.rename(temporary, path.join(dir, name))
  return name
}

export async function removeAvatar (dir: string, name: string | null): Promise<void> {
  if (name !== null && AVATAR_FILE.test(name)) await fs.rm(path.join(dir, name), { force: true })
}

/** The letters shown when there is no avatar: "Marieke de Vries" → "MV", "jan" → "J". */
export function initials (name: string): string {
  const words = name.normalize('NFKC').split(/[\s._-]+/).filter(word => /\p{L}|\p{N}/u.test(word))
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words.slice(0, 1)
  return letters.map(word => [...word.replace(/^[^\p{L}\p{N}]+/u, '')][0] ?? '').join('').toUpperCase() || '?'
}
