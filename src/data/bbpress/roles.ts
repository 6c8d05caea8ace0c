import { readFileSync } from 'node:fs'
import type { Role } from '../../db/schema.js'
import { userKey } from '../../models/users.js'

/**
 * `--roles ROLES.csv`: `username,role` per line (a header line is allowed). A WXR holds no roles,
 * so this is where they come from. Kring's own four are accepted, and bbPress's names and the
 * Dutch labels for them.
 */
const NAMES: Record<string, Role> = {
  lid: 'lid', bijdrager: 'bijdrager', moderator: 'moderator', beheerder: 'beheerder',
  participant: 'lid', keymaster: 'beheerder', spectator: 'lid', member: 'lid', contributor: 'bijdrager', administrator: 'beheerder',
  'bbp_participant': 'lid', 'bbp_keymaster': 'beheerder', 'bbp_moderator': 'moderator', 'bbp_spectator': 'lid'
}

export interface RoleList {
  /** username key (see userKey) → role */
  roles: Map<string, Role>
  problems: Array<{ line: number, message: string }>
}

function cells (line: string): string[] {
  return [...line.matchAll(/\s*(?:"((?:[^"]|"")*)"|([^,]*))\s*(?:,|$)/g)]
    .map(match => match[1] !== undefined ? match[1].replace(/""/g, '"') : (match[2] ?? '').trim())
}

export function parseRoles (text: string, source = 'roles'): RoleList {
  const result: RoleList = { roles: new Map(), problems: [] }
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1
    if (raw.trim() === '' || raw.trim().startsWith('#')) return
    const [username = '', roleName = ''] = cells(raw)
    const role = NAMES[roleName.trim().toLowerCase()]
    if (line === 1 && role === undefined && /^(user(name)?|login|gebruikersnaam)$/i.test(username)) return
    if (username === '' || role === undefined) {
      result.problems.push({ line: 0, message: `${source} line ${line}: "${raw.trim().slice(0, 80)}" is not username,role (role: lid, bijdrager, moderator, beheerder, or Participant, Moderator, Keymaster): ignored` })
      return
    }
    result.roles.set(userKey(username), role)
  })
  return result
}

export function readRoles (file: string): RoleList {
  return parseRoles(readFileSync(file, 'utf8'), file)
}
