import { sql } from 'kysely'
import type { DB } from '../db/index.js'
import type { Role } from '../db/schema.js'

export type ChoiceKind = 'region' | 'sector'
export interface Choice { id: number, name: string }

export interface ProfileFields {
  display_name: string
  organisation: string
  job_title: string
  region_id: number | null
  sector_id: number | null
  bio_md: string
  bio_html: string
  website: string
}

export async function listChoices (db: DB, kind: ChoiceKind): Promise<Choice[]> {
  return db.selectFrom('profile_choices').select(['id', 'name']).where('kind', '=', kind).orderBy('position').orderBy('name').execute()
}

/**
 * Replaces a list (regions or sectors) by the names given, in that order: names that stay
 * keep their id (and the members who chose them); names that go are cleared from profiles.
 */
export async function replaceChoices (db: DB, kind: ChoiceKind, names: string[]): Promise<void> {
  await db.transaction().execute(async trx => {
    const kept = await trx.selectFrom('profile_choices').select(['id', 'name']).where('kind', '=', kind).execute()
    const gone = kept.filter(choice => !names.includes(choice.name)).map(choice => choice.id)
    if (gone.length > 0) await trx.deleteFrom('profile_choices').where('id', 'in', gone).execute()
    for (const [position, name] of names.entries()) {
      await trx.insertInto('profile_choices').values({ kind, name, position })
        .onConflict(oc => oc.columns(['kind', 'name']).doUpdateSet({ position })).execute()
    }
  })
}

export async function saveProfile (db: DB, userId: number, fields: ProfileFields): Promise<void> {
  await db.updateTable('users').set(fields).where('id', '=', userId).execute()
}

export async function setAvatar (db: DB, userId: number, avatar: string | null): Promise<void> {
  await db.updateTable('users').set({ avatar }).where('id', '=', userId).execute()
}

export async function setExpertLabel (db: DB, userId: number, label: string): Promise<void> {
  await db.updateTable('users').set({ expert_label: label }).where('id', '=', userId).execute()
}

export interface DirectoryEntry {
  username: string
  display_name: string
  organisation: string
  job_title: string
  role: Role
  expert_label: string
  avatar: string | null
  region: string | null
  sector: string | null
}

export interface DirectoryFilter { text: string, regionId: number | null, sectorId: number | null, role: Role | null, expertsOnly: boolean }

/** Members as the directory lists them, by name; confirmed accounts only. */
function directory (db: DB, filter: DirectoryFilter) {
  let query = db.selectFrom('users')
    .leftJoin('profile_choices as region', 'region.id', 'users.region_id')
    .leftJoin('profile_choices as sector', 'sector.id', 'users.sector_id')
    .where('users.email_confirmed_at', 'is not', null)
  const text = filter.text.trim().toLowerCase()
  if (text !== '') {
    // LIKE's own wildcards typed by the member are matched as themselves.
    const pattern = `%${text.replace(/[\\%_]/g, ch => `\\${ch}`)}%`
    query = query.where(eb => eb.or([
      sql<boolean>`lower(users.display_name) like ${pattern} escape '\\'`,
      sql<boolean>`users.username_key like ${pattern} escape '\\'`,
      sql<boolean>`lower(users.organisation) like ${pattern} escape '\\'`
    ]))
  }
  if (filter.regionId !== null) query = query.where('users.region_id', '=', filter.regionId)
  if (filter.sectorId !== null) query = query.where('users.sector_id', '=', filter.sectorId)
  if (filter.role !== null) query = query.where('users.role', '=', filter.role)
  if (filter.expertsOnly) query = query.where('users.expert_label', '!=', '')
  return query
}

export async function listDirectory (db: DB, filter: DirectoryFilter, page: { offset: number, limit: number }): Promise<DirectoryEntry[]> {
  return directory(db, filter)
    .select(['users.username', 'users.display_name', 'users.organisation', 'users.job_title', 'users.role', 'users.expert_label', 'users.avatar',
      'region.name as region', 'sector.name as sector'])
    .orderBy(sql`lower(coalesce(nullif(users.display_name, ''), users.username))`).orderBy('users.id')
    .offset(page.offset).limit(page.limit).execute()
}

export async function countDirectory (db: DB, filter: DirectoryFilter): Promise<number> {
  const row = await directory(db, filter).select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** A name shown on posts must not pass for another member's: their username or display name, in any case. */
export async function isDisplayNameTaken (db: DB, name: string, exceptUserId: number | null): Promise<boolean> {
  const nameKey = name.normalize('NFKC').toLowerCase()
  if (nameKey === '') return false
  let query = db.selectFrom('users').select('id')
    .where(eb => eb.or([eb('username_key', '=', nameKey), eb(eb.fn('lower', ['display_name']), '=', nameKey)]))
  if (exceptUserId !== null) query = query.where('id', '!=', exceptUserId)
  return (await query.executeTakeFirst()) !== undefined
}
