import type { DB } from '../db/index.js'
import type { ProposalStatus, Topic } from '../db/schema.js'
import { logAct, type Act } from './moderation.js'

/** One vote per member per proposal: casts it, or takes it back; the count on the topic changes in the same transaction. */
export async function toggleVote (db: DB, topicId: number, userId: number, now = Date.now()): Promise<'voted' | 'unvoted'> {
  return db.transaction().execute(async trx => {
    const added = await trx.insertInto('topic_votes').values({ topic_id: topicId, user_id: userId, created_at: now })
      .onConflict(oc => oc.doNothing()).executeTakeFirst()
    const voted = Number(added.numInsertedOrUpdatedRows ?? 0) > 0
    if (!voted) await trx.deleteFrom('topic_votes').where('topic_id', '=', topicId).where('user_id', '=', userId).execute()
    await recountVotes(trx, [topicId])
    return voted ? 'voted' : 'unvoted'
  })
}

/** Sets each proposal's count from its votes (counted, not added to: right however many vote at once, on any database). */
export async function recountVotes (trx: DB, topicIds: number[]): Promise<void> {
  if (topicIds.length === 0) return
  await trx.updateTable('topics').set(eb => ({ vote_count: eb.selectFrom('topic_votes').select(eb.fn.countAll<number>().as('n')).whereRef('topic_votes.topic_id', '=', 'topics.id') }))
    .where('id', 'in', topicIds).execute()
}

export async function hasVoted (db: DB, topicId: number, userId: number): Promise<boolean> {
  return (await db.selectFrom('topic_votes').select('user_id').where('topic_id', '=', topicId).where('user_id', '=', userId).executeTakeFirst()) !== undefined
}

/** A moderator's verdict: planned (with the event topic it became), declined, or open again. */
export async function setProposalStatus (db: DB, topic: Topic, status: ProposalStatus, eventTopicId: number | null, act: Act): Promise<void> {
  await db.transaction().execute(async trx => {
    await trx.updateTable('topics').set({ proposal_status: status, proposal_event_id: status === 'planned' ? eventTopicId : null })
      .where('id', '=', topic.id).execute()
    await logAct(trx, { ...act, topicId: topic.id, from: topic.proposal_status, to: status })
  })
}
