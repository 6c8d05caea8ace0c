import { randomBytes } from 'node:crypto'
import type { DB } from '../db/index.js'

/** Site settings with their defaults; a row in `settings` overrides a default. */
export const DEFAULT_SETTINGS = {
  posts_per_page: 10,
  topics_per_page: 20,
  /** How long a lid may edit their own post; bijdragers and up have no limit. */
  edit_window_minutes: 60,
  session_days: 30,
  /** Approval queue: a lid's posts wait until they have this many visible posts (0: off). */
  queue_until_approved_posts: 0,
  /** Approval queue: posts by a lid with more links than this wait (0: off). */
  queue_links_over: 0,
  /** Automatic promotion lid → bijdrager. */
  promote_after_posts: 10,
  promote_after_days: 14,
  /** …with no upheld report against them in this many days. */
  promote_clean_days: 30,
  /** Posting limits: seconds between posts, and topics a lid may start on their first day. */
  limit_lid_seconds: 15,
  limit_lid_first_day_topics: 3,
  limit_bijdrager_seconds: 5,
  /** A notification mail waits this long, and is dropped if the member read it on the site meanwhile (0: at once). */
  mail_delay_minutes: 10,
  /** 1: profiles (organisation, bio, avatar, …) are shown to guests too; 0: to members only. */
  profiles_public: 0,
  /** The largest file a bijdrager may attach, in MB (at most 10: what the form reads). */
  upload_max_mb: 10,
  /** The zone events are typed and shown in (an IANA name). */
  time_zone: 'Europe/Amsterdam',
  /** What happens to an erased member's posts: kept under "verwijderd lid", or removed. Shown to the member before they decide. */
  erased_posts: 'keep' as ErasedPosts
}

export type ErasedPosts = 'keep' | 'remove'
/** Settings chosen from a list, with their choices. */
export const SETTING_CHOICES: Partial<Record<keyof typeof DEFAULT_SETTINGS, readonly string[]>> = { erased_posts: ['keep', 'remove'] }

export type Settings = typeof DEFAULT_SETTINGS

export async function loadSettings (db: DB): Promise<Settings> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).execute()
  const settings: Settings = { ...DEFAULT_SETTINGS }
  for (const { key, value } of rows) {
    if (key in settings) (settings as Record<string, unknown>)[key] = JSON.parse(value)
  }
  return settings
}

export async function saveSetting<K extends keyof Settings> (db: DB, key: K, value: Settings[K]): Promise<void> {
  await db.insertInto('settings').values({ key, value: JSON.stringify(value) })
    .onConflict(oc => oc.column('key').doUpdateSet({ value: JSON.stringify(value) }))
    .execute()
}

/** The secret that signs cookies and CSRF tokens: made once, kept with the data. */
export async function loadOrCreateSecret (db: DB): Promise<string> {
  const found = await db.selectFrom('settings').select('value').where('key', '=', 'secret').executeTakeFirst()
  if (found) return JSON.parse(found.value) as string
  const secret = randomBytes(32).toString('base64url')
  await db.insertInto('settings').values({ key: 'secret', value: JSON.stringify(secret) })
    .onConflict(oc => oc.column('key').doNothing()).execute()
  return loadOrCreateSecret(db)
}
