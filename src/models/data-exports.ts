import type { DB } from '../db/index.js'

// A member's own exports (see member-data/): asked for, made in the background, offered for a while.

/** Those still being made or still offered, newest first. */
export async function listExportsOf (db: DB, userId: number, now = Date.now()) {
  return db.selectFrom('data_exports').select(['id', 'requested_at', 'ready_at', 'expires_at', 'size'])
    .where('user_id', '=', userId).where(eb => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])).orderBy('id', 'desc').execute()
}

/** One at a time: asking again while one is being made adds nothing. */
export async function askForExport (db: DB, userId: number, now = Date.now()): Promise<void> {
  await db.transaction().execute(async trx => {
    const waiting = await trx.selectFrom('data_exports').select('id').where('user_id', '=', userId).where('ready_at', 'is', null).executeTakeFirst()
    if (!waiting) await trx.insertInto('data_exports').values({ user_id: userId, requested_at: now }).execute()
  })
}

/** An export ready and still offered to this member; undefined for anyone else's. */
export async function findOfferedExport (db: DB, userId: number, id: number, now = Date.now()) {
  return db.selectFrom('data_exports').select(['stored_name', 'ready_at'])
    .where('id', '=', id).where('user_id', '=', userId).where('ready_at', 'is not', null).where('expires_at', '>', now).executeTakeFirst()
}

export async function listWaitingExports (db: DB) {
  return db.selectFrom('data_exports').innerJoin('users', 'users.id', 'data_exports.user_id')
    .select(['data_exports.id', 'users.id as user_id', 'users.username', 'users.email', 'users.locale'])
    .where('data_exports.ready_at', 'is', null).where('users.erased_at', 'is', null).orderBy('data_exports.id').execute()
}

/** Marks an export made; false when its row is gone (the member was erased meanwhile) or another round made it already. */
export async function markExportReady (trx: DB, id: number, file: { storedName: string, size: number }, until: number, now = Date.now()): Promise<boolean> {
  const updated = await trx.updateTable('data_exports').set({ ready_at: now, expires_at: until, stored_name: file.storedName, size: file.size })
    .where('id', '=', id).where('ready_at', 'is', null).executeTakeFirst()
  return Number(updated.numUpdatedRows) > 0
}

/** Removes the exports no longer offered; returns their files' names. */
export async function removeExpiredExports (db: DB, now = Date.now()): Promise<string[]> {
  const expired = await db.deleteFrom('data_exports').where('expires_at', '<=', now).returning('stored_name').execute()
  return expired.flatMap(row => row.stored_name === null ? [] : [row.stored_name])
}

export async function offeredExportFiles (db: DB): Promise<Set<string>> {
  const rows = await db.selectFrom('data_exports').select('stored_name').where('stored_name', 'is not', null).execute()
  return new Set(rows.map(row => row.stored_name!))
}
