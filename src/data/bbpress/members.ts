import type { DB } from '../../db/index.js'
import type { Role } from '../../db/schema.js'
import { checkEmail, checkUsername, isPlainName } from '../../lib/validation.js'
import { isDisplayNameTaken } from '../../models/profiles.js'
import { findUserByEmail, findUserByUsername, setUserRole, userKey } from '../../models/users.js'
import type { WxrAuthor } from './wxr-parser.js'
import type { Problem } from './plan.js'

/**
 * Authors become members without a password: this value is no scrypt hash, so no password ever
 * matches it (verifyPassword refuses what it did not make); they set one through the mailed link
 * or "Wachtwoord vergeten".
 */
export const NO_PASSWORD = '!imported: no password set yet'

/** An address that can never receive mail (RFC 2606 reserves .invalid), for authors the export gave none. */
export const PLACEHOLDER_DOMAIN = 'no-mail.invalid'

export interface ImportedMember { id: number, username: string, email: string, role: Role, isNew: boolean, hasMail: boolean }

/** A WordPress login as a Kring username: other characters become '-', 3 to 30 long. */
function usernameFor (login: string): string {
  let name = login.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 30)
  while (name.length < 3) name += '_'
  return name
}

async function freeUsername (trx: DB, wanted: string): Promise<string> {
  let candidate = wanted
  for (let n = 2; await findUserByUsername(trx, candidate); n++) candidate = `${wanted.slice(0, 30 - String(n).length - 1)}-${n}`
  return candidate
}

/** The author's display name, unless it is not plain text or would pass for another member's (as the profile form checks). */
async function shownName (trx: DB, author: WxrAuthor | undefined, username: string): Promise<string> {
  const name = author?.displayName.slice(0, 100) ?? ''
  if (name === '' || name === username || !isPlainName(name) || await isDisplayNameTaken(trx, name, null)) return ''
  return name
}

/**
 * The member for an author login: one imported before (by this source), an existing member
 * with the same name and address, or a new one (without mail when another member has the address). Roles from --roles are applied either way.
 */
export async function importMember (trx: DB, input: {
  login: string, author: WxrAuthor | undefined, knownId: number | undefined, role: Role | undefined, firstPostAt: number | undefined, now: number, problems: Problem[]
}): Promise<ImportedMember> {
  const { login, author, problems } = input
  if (input.knownId !== undefined) {
    if (input.role) await setUserRole(trx, input.knownId, input.role)
    const row = await trx.selectFrom('users').select(['id', 'username', 'email', 'role']).where('id', '=', input.knownId).executeTakeFirstOrThrow()
    return { ...row, isNew: false, hasMail: !row.email.endsWith(`@${PLACEHOLDER_DOMAIN}`) }
  }
  const line = author?.line
  const email = author?.email ?? ''
  const hasMail = email !== '' && checkEmail(email) === null
  const wanted = usernameFor(login)
  const sameName = await findUserByUsername(trx, wanted)
  // The same person, already a member here (same name and address): their posts join their account.
  // WordPress never checked its addresses, so an address alone joins nobody to anyone.
  const existing = sameName && hasMail && sameName.email_key === userKey(email) ? sameName : undefined
  const addressTaken = existing === undefined && hasMail && await findUserByEmail(trx, email) !== undefined
  if (existing) {
    problems.push({ line: line ?? 0, message: `author "${login}": joined to the existing member "${existing.username}" (same e-mail address)` })
    if (input.role) await setUserRole(trx, existing.id, input.role)
    return { id: existing.id, username: existing.username, email: existing.email, role: input.role ?? existing.role, isNew: false, hasMail: true }
  }
  const username = await freeUsername(trx, wanted)
  if (username !== login) problems.push({ line: line ?? 0, message: `author "${login}": imported as "${username}" (usernames are 3 to 30 of A-Z a-z 0-9 _ . - and unique)` })
  if (checkUsername(username) !== null) throw new Error(`could not make a username for "${login}"`)
  let address = email
  if (addressTaken) {
    address = `${userKey(username)}.${input.now.toString(36)}@${PLACEHOLDER_DOMAIN}`
    problems.push({ line: line ?? 0, message: `author "${login}": "${email}" belongs to another member here: imported with ${address}, which receives no mail` })
  } else if (!hasMail) {
    address = `${userKey(username)}.${input.now.toString(36)}@${PLACEHOLDER_DOMAIN}`
    problems.push({ line: line ?? 0, message: author
      ? `author "${login}": ${email === '' ? 'no e-mail address' : `"${email}" is not an e-mail address`}: imported with ${address}, which receives no mail`
      : `author "${login}" wrote posts but has no <wp:author> entry: imported with ${address}, which receives no mail` })
  }
  const role = input.role ?? 'lid'
  const created = input.firstPostAt !== undefined ? Math.min(input.firstPostAt, input.now) : input.now
  const row = await trx.insertInto('users').values({
    username,
    username_key: userKey(username),
    email: address,
    email_key: userKey(address),
    password_hash: NO_PASSWORD,
    role,
    role_set_by_moderator: input.role ? 1 : 0,
    display_name: await shownName(trx, author, username),
    created_at: created,
    // The old forum vouched for the address; the set-password link confirms it again.
    email_confirmed_at: input.now,
    email_mode: hasMail ? 'immediately' : 'never'
  }).returning(['id']).executeTakeFirstOrThrow()
  return { id: row.id, username, email: address, role, isNew: true, hasMail: hasMail && !addressTaken }
}
