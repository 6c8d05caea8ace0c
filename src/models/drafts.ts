import type { DB } from '../db/index.js'

/** A member keeps this many drafts; saving one more drops the oldest. */
export const MAX_DRAFTS = 50

/** Which form a draft belongs to: a reply in a topic, a new topic in a forum, an edit of a post. */
export type DraftForm = `reply:${number}` | `topic:${number}` | `edit:${number}`

export function parseDraftForm (value: string): DraftForm | null {
  return /^(reply|topic|edit):[1-9]\d{0,15}$/.test(value) ? value as DraftForm : null
}

export interface Draft { title: string, body: string, updated_at: number }

export async function findDraft (db: DB, userId: number, form: DraftForm): Promise<Draft | undefined> {
  return db.selectFrom('drafts').select(['title', 'body', 'updated_at']).where('user_id', '=', userId).where('form', '=', form).executeTakeFirst()
}

/** Keeps what the member typed; an empty form removes the draft. */
export async function saveDraft (db: DB, userId: number, form: DraftForm, text: { title: string, body: string }, now = Date.now()): Promise<void> {
  if (text.title.trim() === '' && text.body.trim() === '') return removeDraft(db, userId, form)
  await db.transaction().execute(async trx => {
    await trx.insertInto('drafts').values({ user_id: userId, form, title: text.title, body: text.body, updated_at: now })
      .onConflict(oc => oc.columns(['user_id', 'form']).doUpdateSet({ title: text.title, body: text.body, updated_at: now })).execute()
    const stale = await trx.selectFrom('drafts').select('form').where('user_id', '=', userId)
      .orderBy('updated_at', 'desc').offset(MAX_DRAFTS).limit(1000).execute()
    if (stale.length > 0) await trx.deleteFrom('drafts').where('user_id', '=', userId).where('form', 'in', stale.map(row => row.form)).execute()
  })
}

export async function removeDraft (db: DB, userId: number, form: DraftForm): Promise<void> {
  await db.deleteFrom('drafts').where('user_id', '=', userId).where('form', '=', form).execute()
}
