import { createWriteStream, existsSync } from 'node:fs'
import { rename, stat } from 'node:fs/promises'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import yazl from 'yazl'
import { sql } from 'kysely'
import type { DB } from '../db/index.js'
import { inReadableForum } from '../models/readable.js'
import { translator } from '../lib/i18n.js'
import type { Locale } from '../config.js'
import { exportIndexHtml } from './export-index.js'

export interface ExportContext {
  baseUrl: string
  /** UPLOADS_DIR/files, where the member's attachments are stored. */
  filesDir: string
  /** UPLOADS_DIR/avatars. */
  avatarsDir: string
  siteLocale: Locale
}

/**
 * Everything Kring holds about one member, as data: their profile and settings, posts (with
 * topic, forum and permalink), uploads, notifications, follows, answers to events, votes,
 * likes, drafts, groups, sessions and failed logins. Of other members only what the pages
 * they read show: a notification names its actor and topic only while they read its forum.
 */
export async function collectMemberData (db: DB, userId: number, baseUrl: string) {
  const user = await db.selectFrom('users').leftJoin('profile_choices as region', 'region.id', 'users.region_id')
    .leftJoin('profile_choices as sector', 'sector.id', 'users.sector_id')
    .select(['users.username', 'users.email', 'users.role', 'users.created_at', 'users.email_confirmed_at', 'users.locale', 'users.email_mode', 'users.auto_watch',
      'users.display_name', 'users.organisation', 'users.job_title', 'region.name as region', 'sector.name as sector', 'users.bio_md', 'users.website',
      'users.expert_label', 'users.avatar', 'users.post_count', 'users.last_post_at', 'users.erase_after'])
    .where('users.id', '=', userId).executeTakeFirstOrThrow()
  // Of a topic or forum, the title only while the member reads it now (as on the site); the fact (a post, a follow, a vote) stays theirs.
  const shown = (of: 'topic' | 'forum' = 'topic') => of === 'topic'
    ? sql<boolean>`${sql.ref('topics.hidden')} = 0 and ${sql.ref('topics.queued')} = 0 and ${inReadableForum('topics.forum_id', userId)}`
    : inReadableForum('forums.id', userId)
  const posts = await db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id').innerJoin('forums', 'forums.id', 'topics.forum_id')
    .select(eb => ['posts.id', 'posts.position', 'posts.created_at', 'posts.edited_at', 'posts.hidden', 'posts.queued', 'posts.body_md', 'posts.body_html', 'posts.like_count',
      eb.case().when(shown()).then(eb.ref('topics.title')).else(null).end().as('topic'),
      eb.case().when(shown()).then(eb.ref('topics.slug')).else(null).end().as('topic_slug'),
      eb.case().when(shown()).then(eb.ref('forums.name')).else(null).end().as('forum')])
    .where('posts.author_id', '=', userId).where('posts.deleted_at', 'is', null).orderBy('posts.id').execute()
  const uploads = await db.selectFrom('uploads').select(['id', 'post_id', 'name', 'mime', 'size', 'created_at', 'stored_name'])
    .where('uploader_id', '=', userId).orderBy('id').execute()
  const notifications = await db.selectFrom('notifications as n').leftJoin('topics', 'topics.id', 'n.topic_id').leftJoin('users as actor', 'actor.id', 'n.actor_id')
    .select(eb => ['n.kind', 'n.post_id', 'n.created_at', 'n.read_at', 'n.mailed_at',
      eb.case().when(shown()).then(eb.ref('topics.title')).else(null).end().as('topic'),
      eb.case().when(shown()).then(eb.ref('actor.username')).else(null).end().as('actor')])
    .where('n.user_id', '=', userId).orderBy('n.id').execute()
  const follows = await db.selectFrom('watches').leftJoin('topics', 'topics.id', 'watches.topic_id').leftJoin('forums', 'forums.id', 'watches.forum_id')
    .select(eb => ['watches.level', eb.case().when(shown()).then(eb.ref('topics.title')).else(null).end().as('topic'),
      eb.case().when(shown('forum')).then(eb.ref('forums.name')).else(null).end().as('forum')])
    .where('watches.user_id', '=', userId).execute()
  const events = await db.selectFrom('event_answers').innerJoin('topics', 'topics.id', 'event_answers.topic_id')
    .select(eb => [eb.case().when(shown()).then(eb.ref('topics.title')).else(null).end().as('event'), 'event_answers.status', 'event_answers.answered_at'])
    .where('event_answers.user_id', '=', userId).execute()
  const votes = await db.selectFrom('topic_votes').innerJoin('topics', 'topics.id', 'topic_votes.topic_id')
    .select(eb => [eb.case().when(shown()).then(eb.ref('topics.title')).else(null).end().as('proposal'), 'topic_votes.created_at'])
    .where('topic_votes.user_id', '=', userId).execute()
  const likes = await db.selectFrom('post_likes').select(['post_id', 'created_at']).where('user_id', '=', userId).orderBy('post_id').execute()
  const drafts = await db.selectFrom('drafts').select(['form', 'title', 'body', 'updated_at']).where('user_id', '=', userId).execute()
  const groups = await db.selectFrom('group_members').innerJoin('groups', 'groups.id', 'group_members.group_id')
    .select(['groups.name as group', 'group_members.manager', 'group_members.joined_at']).where('group_members.user_id', '=', userId).execute()
  const sessions = await db.selectFrom('sessions').select(['created_at', 'expires_at']).where('user_id', '=', userId).orderBy('created_at').execute()
  const failedLogins = await db.selectFrom('login_failures').select('at').where('user_id', '=', userId).orderBy('at').execute()
  return {
    profile: { ...user, avatar: user.avatar === null ? null : `avatar${path.extname(user.avatar)}` },
    /** The avatar's name as stored under UPLOADS_DIR/avatars (left out of data.json, like each upload's `stored`). */
    storedAvatar: user.avatar,
    posts: posts.map(post => ({
      ...post, state: post.queued === 1 ? 'waiting for approval' : post.hidden === 1 ? 'hidden by a moderator' : 'visible',
      permalink: `${baseUrl}/post/${post.id}`, topic_url: post.topic_slug === null ? null : `${baseUrl}/topic/${post.topic_slug}`
    })),
    uploads: uploads.map(({ stored_name: stored, ...file }) => ({ ...file, file: `uploads/${file.id}-${safeName(file.name)}`, stored })),
    notifications, follows, events, votes, likes: likes.map(like => ({ ...like, permalink: `${baseUrl}/post/${like.post_id}` })), drafts, groups, sessions,
    failed_logins: failedLogins
  }
}

export type MemberData = Awaited<ReturnType<typeof collectMemberData>>

/** A file name safe in any archive tool: no folders, no control characters. */
function safeName (name: string): string {
  return name.replace(/[\\/\x00-\x1f:*?"<>|]/g, '_').slice(0, 120) || 'bestand'
}

/** Writes the member's ZIP to `file` (through a temporary name, so a half-written archive is never offered). */
export async function writeMemberExport (db: DB, userId: number, file: string, context: ExportContext): Promise<number> {
  const data = await collectMemberData(db, userId, context.baseUrl)
  const zip = new yazl.ZipFile()
  const { uploads, storedAvatar, ...rest } = data
  const json = { ...rest, uploads: uploads.map(({ stored, ...upload }) => upload), exported_at: new Date().toISOString(), site: context.baseUrl }
  zip.addBuffer(Buffer.from(JSON.stringify(json, null, 2) + '\n'), 'data.json')
  const i18n = translator(data.profile.locale ?? context.siteLocale)
  zip.addBuffer(Buffer.from(exportIndexHtml(data, i18n)), 'index.html')
  // A file missing from disk (restored from an old backup, say) is left out, not the whole export.
  for (const upload of uploads) {
    const stored = path.join(context.filesDir, upload.stored)
    if (existsSync(stored)) zip.addFile(stored, upload.file)
  }
  const avatarFile = storedAvatar === null ? null : path.join(context.avatarsDir, storedAvatar)
  if (avatarFile !== null && existsSync(avatarFile)) zip.addFile(avatarFile, data.profile.avatar!)
  zip.end()
  const temporary = `${file}.part`
  await pipeline(zip.outputStream, createWriteStream(temporary))
  await rename(temporary, file)
  return (await stat(file)).size
}
