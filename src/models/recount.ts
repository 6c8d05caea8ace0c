import { sql } from 'kysely'
import type { DB } from '../db/index.js'

/**
 * Recomputes what moderation acts change: positions, visible positions, counts and last posts.
 * Ordinary posting updates these incrementally (see recordNewPost); hiding, approving,
 * splitting and merging are rare, so they recount from the rows, which is right by construction.
 */

/** Positions 1..n with the opening post first, then by time; visible positions over visible posts. */
export async function renumberTopic (trx: DB, topicId: number, openingPostId?: number): Promise<void> {
  // Posts just moved in carry negative positions; the opener is the topic's own first post.
  const opener = openingPostId ?? (await trx.selectFrom('posts').select('id').where('topic_id', '=', topicId)
    .where('position', '>', 0).orderBy('position').limit(1).executeTakeFirst())?.id ?? 0
  // Negative first, so the unique (topic_id, position) index never sees two rows on one number.
  await sql`update posts set position = -id where topic_id = ${topicId}`.execute(trx)
  await sql`
    with ordered as (
      select id, row_number() over (order by id = ${opener} desc, created_at, id) as n
      from posts where topic_id = ${topicId}
    )
    update posts set position = ordered.n from ordered where ordered.id = posts.id`.execute(trx)
  await sql`
    with ordered as (
      select id, row_number() over (order by position) as n
      from posts where topic_id = ${topicId} and hidden = 0 and queued = 0
    )
    update posts set visible_position = (select n from ordered where ordered.id = posts.id)
    where topic_id = ${topicId}`.execute(trx)
  await sql`
    update topics set
      post_count = (select count(*) from posts where topic_id = ${topicId}),
      visible_post_count = (select count(*) from posts where topic_id = ${topicId} and visible_position is not null),
      reply_count = (select count(*) from posts where topic_id = ${topicId} and visible_position is not null and position > 1),
      last_post_id = (select id from posts where topic_id = ${topicId} and visible_position is not null order by visible_position desc limit 1),
      last_post_at = coalesce((select created_at from posts where topic_id = ${topicId} and visible_position is not null order by visible_position desc limit 1), created_at)
    where id = ${topicId}`.execute(trx)
}

/** Topic and post counts and the last post of a forum, over the topics members may see. */
export async function recountForum (trx: DB, forumId: number): Promise<void> {
  await sql`
    update forums set
      topic_count = (select count(*) from topics where forum_id = ${forumId} and hidden = 0 and queued = 0 and visible_post_count > 0),
      post_count = (select coalesce(sum(visible_post_count), 0) from topics where forum_id = ${forumId} and hidden = 0 and queued = 0),
      last_post_id = (select last_post_id from topics where forum_id = ${forumId} and hidden = 0 and queued = 0 and visible_post_count > 0
                      order by last_post_at desc, id desc limit 1)
    where id = ${forumId}`.execute(trx)
}

/** A member's post count: posts others can see, in topics others can see. */
export async function recountUser (trx: DB, userId: number): Promise<void> {
  await sql`
    update users set post_count = (
      select count(*) from posts join topics on topics.id = posts.topic_id
      where posts.author_id = ${userId} and posts.visible_position is not null and topics.hidden = 0 and topics.queued = 0)
    where id = ${userId}`.execute(trx)
}

/** After posts of these authors moved between these topics and forums. */
export async function recountAll (trx: DB, what: { topics: number[], forums: number[], users: number[] }): Promise<void> {
  for (const id of new Set(what.topics)) await renumberTopic(trx, id)
  for (const id of new Set(what.forums)) await recountForum(trx, id)
  for (const id of new Set(what.users)) await recountUser(trx, id)
}
