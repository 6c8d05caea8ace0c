import type { DB } from '../db/index.js'
import type { ErasedPosts } from '../models/settings.js'
import { findMembersByKeys } from '../models/users.js'
import { mentionCandidates, renderMarkdown } from '../lib/markdown.js'
import { isTrustedAuthor } from '../permissions.js'
import { fillPlaces } from '../models/events.js'

/** The files an erasure leaves for the caller to remove once it is committed. */
export interface ErasedFiles {
  /** Stored names under UPLOADS_DIR/files (with their thumbnails). */
  uploads: Array<{ storedName: string, thumbName: string | null }>
  avatar: string | null
  /** Stored names under DATA_DIR/exports. */
  exports: string[]
}

/** A name as a whole word (not inside another), in any case: "jan" in "@Jan," but not in "januari". */
function wholeWord (name: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}_.-])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}_])`, 'giu')
}

/**
 * Erases a member at once: everything that is theirs or names them goes, in one transaction.
 * Their posts stay under "verwijderd lid" (`erasedName`, in the site's language) or become
 * "Dit bericht is verwijderd." (policy `remove`); their files, profile, address, sessions,
 * notifications, follows, drafts, votes, likes, answers and exports go; mentions and quotes
 * of them in other posts name nobody any more. The row stays (id only) so that posts,
 * reports and the moderation log keep an author without keeping the person; their username
 * and address are free again. Returns the files to remove from disk after the commit.
 */
export async function eraseMember (db: DB, userId: number, options: { policy: ErasedPosts, erasedName: string, now?: number }): Promise<ErasedFiles> {
  const now = options.now ?? Date.now()
  return db.transaction().execute(async trx => {
    const member = await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
    const names = [member.username, member.display_name].filter(name => name.trim() !== '')

    // Their posts: kept as they are, or emptied in place (the place and number stay, as for any deleted post).
    const own = trx.selectFrom('posts').select('id').where('author_id', '=', userId)
    await trx.deleteFrom('post_revisions').where('post_id', 'in', own).execute()
    if (options.policy === 'remove') {
      await trx.updateTable('topics').set({ answer_post_id: null }).where('answer_post_id', 'in', own).execute()
      await trx.updateTable('posts').set({ body_md: '', body_html: '', deleted_at: now, deleted_by: userId, fanned_out: 1 })
        .where('author_id', '=', userId).where('deleted_at', 'is', null).execute()
    }
    const uploads = await trx.deleteFrom('uploads').where('uploader_id', '=', userId).returning(['stored_name', 'thumb_name']).execute()

    // What they did for others to see is undone with its counts: "Nuttig", votes, places at events.
    const liked = await trx.deleteFrom('post_likes').where('user_id', '=', userId).returning('post_id').execute()
    for (const { post_id: postId } of liked) await trx.updateTable('posts').set(eb => ({ like_count: eb('like_count', '-', 1) })).where('id', '=', postId).execute()
    const voted = await trx.deleteFrom('topic_votes').where('user_id', '=', userId).returning('topic_id').execute()
    for (const { topic_id: topicId } of voted) await trx.updateTable('topics').set(eb => ({ vote_count: eb('vote_count', '-', 1) })).where('id', '=', topicId).execute()
    const answered = await trx.deleteFrom('event_answers').where('user_id', '=', userId).returning('topic_id').execute()
    for (const { topic_id: topicId } of answered) await fillPlaces(trx, topicId)

    for (const table of ['sessions', 'watches', 'drafts', 'notifications', 'group_members', 'forum_moderators', 'login_failures', 'email_tokens', 'topic_reads', 'user_mutes'] as const) {
      await trx.deleteFrom(table).where('user_id', '=', userId).execute()
    }
    await trx.deleteFrom('user_mutes').where('muted_user_id', '=', userId).execute()
    const exports = await trx.deleteFrom('data_exports').where('user_id', '=', userId).returning('stored_name').execute()

    const removed = options.policy === 'remove' ? new Set((await own.execute()).map(post => post.id)) : new Set<number>()
    await neutraliseMentions(trx, member.username, names, options.erasedName, removed)
    await forgetInMails(trx, member.email, names, options.erasedName)

    // The row keeps the id and nothing else of the person: "verwijderd lid" on every page.
    const placeholder = `verwijderd-${userId}`
    await trx.updateTable('users').set({
      username: placeholder, username_key: placeholder, email: `${placeholder}@erased.invalid`, email_key: `${placeholder}@erased.invalid`,
      password_hash: '!', role: 'lid', display_name: options.erasedName, organisation: '', job_title: '', region_id: null, sector_id: null,
      bio_md: '', bio_html: '', website: '', expert_label: '', avatar: null, locale: null, email_mode: 'never', auto_watch: 0,
      suspended_until: null, suspended_reason: null, email_confirmed_at: null, erase_after: null, erased_at: now
    }).where('id', '=', userId).execute()
    return {
      uploads: uploads.map(file => ({ storedName: file.stored_name, thumbName: file.thumb_name })),
      avatar: member.avatar,
      exports: exports.flatMap(row => row.stored_name === null ? [] : [row.stored_name])
    }
  })
}

/** Quotes of removed posts keep their line naming the post, not the words quoted (see lib/quotes.ts for the form). */
function withoutQuotedText (source: string, postIds: Set<number>): string {
  if (postIds.size === 0) return source
  const kept: string[] = []
  let dropping = false
  for (const line of source.split('\n')) {
    const header = /^>\s*\[[^\]]*\]\(\/post\/(\d+)\)\s*$/.exec(line)
    if (header !== null) {
      dropping = postIds.has(Number(header[1]))
      kept.push(line, ...(dropping ? ['> …'] : []))
    } else if (!(dropping && line.startsWith('>'))) {
      dropping = false
      kept.push(line)
    }
  }
  return kept.join('\n')
}

/**
 * "@jan" and "[@jan schreef:](/post/1)" in other members' posts, their old versions and
 * drafts become "verwijderd lid"; each changed post is rendered again as when it was written.
 */
async function neutraliseMentions (trx: DB, username: string, names: string[], erasedName: string, removedPosts: Set<number>): Promise<void> {
  const mention = wholeWord(`@${username}`)
  const posts = await trx.selectFrom('posts').innerJoin('users', 'users.id', 'posts.author_id')
    .select(['posts.id', 'posts.body_md', 'users.role']).where('posts.body_md', 'like', `%@${username}%`).execute()
  for (const post of posts) {
    const source = withoutQuotedText(post.body_md, removedPosts).replace(mention, erasedName)
    if (source === post.body_md) continue
    const members = await findMembersByKeys(trx, mentionCandidates(source))
    const { html } = renderMarkdown(source, { members, trusted: isTrustedAuthor(post) })
    await trx.updateTable('posts').set({ body_md: source, body_html: html }).where('id', '=', post.id).execute()
  }
  const revisions = await trx.selectFrom('post_revisions').select(['id', 'body_md']).where('body_md', 'like', `%@${username}%`).execute()
  for (const revision of revisions) {
    await trx.updateTable('post_revisions').set({ body_md: revision.body_md.replace(mention, erasedName) }).where('id', '=', revision.id).execute()
  }
  const drafts = await trx.selectFrom('drafts').select(['user_id', 'form', 'body']).where('body', 'like', `%@${username}%`).execute()
  for (const draft of drafts) {
    await trx.updateTable('drafts').set({ body: draft.body.replace(mention, erasedName) })
      .where('user_id', '=', draft.user_id).where('form', '=', draft.form).execute()
  }
  // Moderation log: the act stays; a value that held their name (a label, say) names nobody.
  for (const name of names) {
    const pattern = wholeWord(name)
    const rows = await trx.selectFrom('moderation_log').select(['id', 'from_value', 'to_value'])
      .where(eb => eb.or([eb('from_value', 'like', `%${name}%`), eb('to_value', 'like', `%${name}%`)])).execute()
    for (const row of rows) {
      await trx.updateTable('moderation_log').set({ from_value: row.from_value?.replace(pattern, erasedName) ?? null, to_value: row.to_value?.replace(pattern, erasedName) ?? null })
        .where('id', '=', row.id).execute()
    }
  }
}

/**
 * Mails to them go, sent or not. Mails to others that name them: those sent go (the outbox
 * keeps them only as a log); those still waiting name "verwijderd lid" instead.
 */
async function forgetInMails (trx: DB, email: string, names: string[], erasedName: string): Promise<void> {
  await trx.deleteFrom('outbox').where('to_address', '=', email).execute()
  for (const name of [email, ...names]) {
    const pattern = wholeWord(name)
    const mails = await trx.selectFrom('outbox').select(['id', 'sent_at', 'subject', 'text_body', 'html_body', 'headers'])
      .where(eb => eb.or(['subject', 'text_body', 'html_body', 'headers'].map(column => eb(column as 'subject', 'like', `%${name}%`)))).execute()
    for (const mail of mails) {
      if (mail.sent_at !== null) {
        await trx.deleteFrom('outbox').where('id', '=', mail.id).execute()
        continue
      }
      await trx.updateTable('outbox').set({
        subject: mail.subject.replace(pattern, erasedName),
        text_body: mail.text_body.replace(pattern, erasedName),
        html_body: mail.html_body.replace(pattern, erasedName),
        headers: mail.headers?.replace(pattern, erasedName) ?? null
      }).where('id', '=', mail.id).execute()
    }
  }
}
