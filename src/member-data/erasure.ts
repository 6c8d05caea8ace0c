import { sql, type RawBuilder } from 'kysely'
import type { DB } from '../db/index.js'
import type { ErasedPosts } from '../models/settings.js'
import { findMembersByKeys } from '../models/users.js'
import { deletePostIn } from '../models/post-deletion.js'
import { mentionCandidates, renderMarkdown } from '../lib/markdown.js'
import { isTrustedAuthor } from '../permissions.js'
import { fillPlaces } from '../models/events.js'
import { recountLikes } from '../models/likes.js'
import { recountVotes } from '../models/proposals.js'

/** The files an erasure leaves for the caller to remove once it is committed. */
export interface ErasedFiles {
  /** Stored names under UPLOADS_DIR/files (with their thumbnails). */
  uploads: Array<{ storedName: string, thumbName: string | null }>
  avatar: string | null
  /** Stored names under DATA_DIR/exports. */
  exports: string[]
}

/** An erased member's username: `~` is not allowed in usernames, so no one can register it first. */
export const erasedUsername = (userId: number): string => `~verwijderd-${userId}`

/**
 * Finds candidates: the column holds the text, in any case (lower() on both sides, as every SQL
 * database reads it; SQLite's LIKE alone would ignore case, PostgreSQL's would not). The
 * whole-word pattern then decides.
 */
function holds (column: string, text: string): RawBuilder<boolean> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, ch => `\\${ch}`)}%`
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`
}

/** A name or address as a whole word (not inside another), in any case: "jan" in "@Jan," but not in "januari". */
function wholeWord (name: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}_.-])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}_])`, 'giu')
}

/**
 * Erases a member, in one transaction: everything that is theirs or names them goes. Their
 * posts stay under "verwijderd lid" (`erasedName`, in the site's language) or are deleted as
 * a moderator would delete them (policy `remove`, without keeping the text for moderators);
 * their files, profile, address, sessions, notifications, follows, drafts, votes, likes,
 * answers and exports go; mentions and quotes of them in other posts, and their name or
 * address in reasons, logs and mails, name nobody any more. The row stays (id only) so posts,
 * reports and the moderation log keep an author without keeping the person; their username and
 * address are free again. With `onlyIfDue`, a member whose login called it off meanwhile is
 * left alone. Returns the files to remove from disk after the commit, or null when nothing was done.
 */
export async function eraseMember (db: DB, userId: number, options: { policy: ErasedPosts, erasedName: string, onlyIfDue?: boolean, now?: number }): Promise<ErasedFiles | null> {
  const now = options.now ?? Date.now()
  return db.transaction().execute(async trx => {
    const member = await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
    if (member.erased_at !== null || (options.onlyIfDue === true && (member.erase_after === null || member.erase_after > now))) return null
    const names = [member.username, member.email]
    const erasedName = options.erasedName

    // Their posts: kept as they are, or deleted in place (the place and number stay; an opening post hides its topic).
    const own = await trx.selectFrom('posts').select(['id', 'topic_id', 'author_id', 'position']).where('author_id', '=', userId).execute()
    await trx.deleteFrom('post_revisions').where('post_id', 'in', trx.selectFrom('posts').select('id').where('author_id', '=', userId)).execute()
    const removed = new Set(options.policy === 'remove' ? own.map(post => post.id) : [])
    // Deleting a post takes its files out of the table: they are gathered here to leave the disk too.
    const uploads: Array<{ stored_name: string, thumb_name: string | null }> = []
    for (const post of own) {
      if (removed.has(post.id)) uploads.push(...await deletePostIn(trx, post, { moderatorId: userId, action: 'post.delete', now }, { keepText: false }))
    }
    uploads.push(...await trx.deleteFrom('uploads').where('uploader_id', '=', userId).returning(['stored_name', 'thumb_name']).execute())

    // What they did for others to see is undone and the counts follow: "Nuttig", votes, places at events.
    const liked = await trx.deleteFrom('post_likes').where('user_id', '=', userId).returning('post_id').execute()
    await recountLikes(trx, liked.map(row => row.post_id))
    const voted = await trx.deleteFrom('topic_votes').where('user_id', '=', userId).returning('topic_id').execute()
    await recountVotes(trx, voted.map(row => row.topic_id))
    const answered = await trx.deleteFrom('event_answers').where('user_id', '=', userId).returning('topic_id').execute()
    for (const { topic_id: topicId } of answered) await fillPlaces(trx, topicId)

    for (const table of ['sessions', 'watches', 'drafts', 'notifications', 'group_members', 'forum_moderators', 'login_failures', 'email_tokens', 'topic_reads', 'user_mutes'] as const) {
      await trx.deleteFrom(table).where('user_id', '=', userId).execute()
    }
    await trx.deleteFrom('user_mutes').where('muted_user_id', '=', userId).execute()
    const exports = await trx.deleteFrom('data_exports').where('user_id', '=', userId).returning('stored_name').execute()
    // What they wrote to moderators about others' posts is theirs too.
    await trx.updateTable('reports').set({ reason: '' }).where('reporter_id', '=', userId).execute()

    await neutraliseMentions(trx, member.username, erasedName, removed)
    for (const name of names) await forgetName(trx, name, erasedName)

    // The row keeps the id and nothing else of the person: "verwijderd lid" on every page.
    const placeholder = erasedUsername(userId)
    await trx.updateTable('users').set({
      username: placeholder, username_key: placeholder, email: `${placeholder}@erased.invalid`, email_key: `${placeholder}@erased.invalid`,
      password_hash: '!', role: 'lid', display_name: erasedName, organisation: '', job_title: '', region_id: null, sector_id: null,
      bio_md: '', bio_html: '', website: '', expert_label: '', avatar: null, locale: null, email_mode: 'never', auto_watch: 0,
      suspended_until: null, suspended_reason: null, email_confirmed_at: null, erase_after: null, erase_posts: null, erased_at: now
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
 * "@jan" and "[@jan schreef:](/post/1)" in other members' posts, their old versions and drafts
 * become "verwijderd lid", and quotes of removed posts lose the words; a changed post is
 * rendered again as when it was written.
 */
async function neutraliseMentions (trx: DB, username: string, erasedName: string, removedPosts: Set<number>): Promise<void> {
  const mention = wholeWord(`@${username}`)
  const rewrite = (text: string): string => withoutQuotedText(text, removedPosts).replace(mention, erasedName)
  const posts = await trx.selectFrom('posts').innerJoin('users', 'users.id', 'posts.author_id')
    .select(['posts.id', 'posts.body_md', 'users.role']).where(holds('posts.body_md', `@${username}`)).execute()
  for (const post of posts) {
    const source = rewrite(post.body_md)
    if (source === post.body_md) continue
    const members = await findMembersByKeys(trx, mentionCandidates(source))
    const { html } = renderMarkdown(source, { members, trusted: isTrustedAuthor(post) })
    await trx.updateTable('posts').set({ body_md: source, body_html: html }).where('id', '=', post.id).execute()
  }
  const revisions = await trx.selectFrom('post_revisions').select(['id', 'body_md']).where(holds('body_md', `@${username}`)).execute()
  for (const revision of revisions) await trx.updateTable('post_revisions').set({ body_md: rewrite(revision.body_md) }).where('id', '=', revision.id).execute()
  const drafts = await trx.selectFrom('drafts').select(['user_id', 'form', 'body']).where(holds('body', `@${username}`)).execute()
  for (const draft of drafts) {
    await trx.updateTable('drafts').set({ body: rewrite(draft.body) }).where('user_id', '=', draft.user_id).where('form', '=', draft.form).execute()
  }
}

/** Free text that may hold a member's name or address, per table: moderators' reasons, the log, others' suspensions. */
const FREE_TEXT = {
  reports: ['reason'], moderation_log: ['reason', 'from_value', 'to_value'], posts: ['hidden_reason'], topics: ['hidden_reason'],
  users: ['suspended_reason'], post_revisions: ['reason']
} as const

/**
 * Their username or address, wherever a moderator or a mail wrote it, becomes "verwijderd
 * lid". Mails to them go; mails to others that name them go once sent (the outbox keeps those
 * only as a log), and those still waiting name "verwijderd lid" instead.
 */
async function forgetName (trx: DB, name: string, erasedName: string): Promise<void> {
  const pattern = wholeWord(name)
  const named = (text: string | null): boolean => text !== null && text.search(pattern) >= 0
  const replace = (text: string | null): string | null => text?.replace(pattern, erasedName) ?? null
  for (const [table, columns] of Object.entries(FREE_TEXT) as Array<[keyof typeof FREE_TEXT, readonly string[]]>) {
    // LIKE finds candidates (case-insensitively for ASCII); the whole-word pattern decides.
    const rows = await trx.selectFrom(table as 'reports').select(['id', ...columns] as never[])
      .where(eb => eb.or(columns.map(column => holds(column, name)))).execute() as Array<Record<string, string | null> & { id: number }>
    for (const row of rows) {
      if (!columns.some(column => named(row[column]))) continue
      await trx.updateTable(table as 'reports').set(Object.fromEntries(columns.map(column => [column, replace(row[column])])) as never).where('id', '=', row.id).execute()
    }
  }
  await trx.deleteFrom('outbox').where('to_address', '=', name).execute()
  const mails = await trx.selectFrom('outbox').select(['id', 'sent_at', 'subject', 'text_body', 'html_body', 'headers'])
    .where(eb => eb.or(['subject', 'text_body', 'html_body', 'headers'].map(column => holds(column, name)))).execute()
  for (const mail of mails) {
    if (![mail.subject, mail.text_body, mail.html_body, mail.headers].some(named)) continue
    if (mail.sent_at !== null) {
      await trx.deleteFrom('outbox').where('id', '=', mail.id).execute()
      continue
    }
    await trx.updateTable('outbox').set({
      subject: replace(mail.subject)!, text_body: replace(mail.text_body)!, html_body: replace(mail.html_body)!, headers: replace(mail.headers)
    }).where('id', '=', mail.id).execute()
  }
}
