import { type Kysely, sql } from 'kysely'

// Frozen in time: never import application code here. A forum page lists topics in this order
// (announced, pinned, latest activity); with the listing's own conditions in the index, page
// 1000 of a forum of 50,000 topics skips its offset inside the index. Announcements shown in
// every forum are found without a scan, and so are a member's own queued posts in a long topic.
export async function up (db: Kysely<any>): Promise<void> {
  await sql`drop index topics_forum_listing`.execute(db)
  await sql`create index topics_listed on topics (forum_id, announced desc, pinned desc, last_post_at desc, id desc)
    where hidden = 0 and queued = 0 and visible_post_count > 0`.execute(db)
  await sql`create index topics_listed_by_votes on topics (forum_id, announced desc, pinned desc, vote_count desc, last_post_at desc, id desc)
    where hidden = 0 and queued = 0 and visible_post_count > 0`.execute(db)
  // Moderators page through hidden topics too; the trailing columns let either listing skip its offset in the index.
  await sql`create index topics_moderated on topics (forum_id, announced desc, pinned desc, last_post_at desc, id desc, hidden, visible_post_count) where queued = 0`.execute(db)
  await sql`create index topics_announced on topics (last_post_at desc) where announced = 1`.execute(db)
  // A member's own posts waiting for approval, shown on a topic's last page: found directly, not by reading the topic's every post.
  await sql`create index posts_queued_by_author on posts (author_id, topic_id) where queued = 1`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const index of ['topics_listed', 'topics_listed_by_votes', 'topics_moderated', 'topics_announced', 'posts_queued_by_author']) await sql.raw(`drop index ${index}`).execute(db)
  await sql`create index topics_forum_listing on topics (forum_id, pinned desc, last_post_at desc)`.execute(db)
}
