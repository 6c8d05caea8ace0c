import { createHash } from 'node:crypto'
import type { DB } from '../../db/index.js'
import type { Locale } from '../../config.js'
import type { Role } from '../../db/schema.js'
import { slugify, uniqueSlug } from '../../lib/slugs.js'
import { enqueueMail } from '../../mail/outbox.js'
import { enqueuePasswordLink } from '../../mail/password-link.js'
import { renderPostBody } from '../../models/posts.js'
import { isTopicSlugTaken } from '../../models/topics.js'
import { recountForum, recountUser, renumberTopic } from '../../models/recount.js'
import { legacyPathKey, type ImportedKind, type LegacyKind } from '../../models/legacy-urls.js'
import { userKey } from '../../models/users.js'
import { htmlToMarkdown } from './html-to-markdown.js'
import { importMember, type ImportedMember } from './members.js'
import { makePlan, type PlannedTopic, type Problem } from './plan.js'
import type { RoleList } from './roles.js'
import { parseWxr, type WxrItem } from './wxr-parser.js'

/**
 * `kring import-bbpress FILE`: a bbPress forum from a WordPress export, in one transaction, so a
 * failure leaves nothing behind. What a former run of the same site imported (imported_items) is
 * not made again; what is new in a later export is added. Posts keep their WordPress id where it is
 * free, so old `#post-ID` links land on them; old paths are kept in legacy_paths.
 */

export interface ImportSettings {
  roles: RoleList | null
  /** Set when mail goes out (SMTP_URL): new members get a link to set their password. */
  mail: { baseUrl: string } | null
  siteLocale: Locale
  progress: (unit: string) => (done: number, total: number) => void
  now?: number
}

export interface ImportReport {
  site: string
  forums: number
  topics: number
  posts: number
  members: number
  mailed: number
  /** Posts that could not keep their old id (a Kring post had it): their old #post-ID links land on the page only. */
  renumbered: number
  skipped: Map<string, number>
  problems: Problem[]
}

/** A link the set-password mail carries is valid this long: members of a moved forum read mail when they do. */
const LINK_LIFETIME_MS = 7 * 24 * 3600_000

export async function importBbpress (db: DB, file: string, settings: ImportSettings): Promise<ImportReport> {
  const now = settings.now ?? Date.now()
  const wxr = await parseWxr(file, settings.progress('bytes read'))
  const known = new Map<string, number>()
  const rows = await db.selectFrom('imported_items').select(['kind', 'old_id', 'new_id']).where('source', '=', wxr.site).execute()
  for (const row of rows) known.set(`${row.kind}:${row.old_id}`, row.new_id)
  const plan = makePlan(wxr, (kind, id) => known.has(`${kind}:${id}`))
  const report: ImportReport = { site: wxr.site, forums: 0, topics: 0, posts: 0, members: 0, mailed: 0, renumbered: 0, skipped: plan.skipped, problems: [...plan.problems, ...settings.roles?.problems ?? []] }
  const roles = settings.roles?.roles ?? new Map<string, Role>()

  const total = plan.forums.length + plan.topics.reduce((n, t) => n + 1 + t.replies.length, 0) + [...plan.repliesToImported.values()].reduce((n, r) => n + r.length, 0)
  const progress = settings.progress('items imported')
  let done = 0
  const step = (): void => { if (++done % 200 === 0 && done < total) progress(done, total) }

  await db.transaction().execute(async trx => {
    const remember = async (kind: ImportedKind, oldId: string | number, newId: number): Promise<void> => {
      await trx.insertInto('imported_items').values({ source: wxr.site, kind, old_id: String(oldId), new_id: newId, imported_at: now }).execute()
      known.set(`${kind}:${oldId}`, newId)
    }
    const keepPaths = async (item: WxrItem, base: string, kind: LegacyKind, newId: number): Promise<void> => {
      const paths = new Set<string>()
      try {
        const { pathname } = new URL(item.link)
        if (pathname.length > 1) paths.add(legacyPathKey(pathname))
      } catch {}
      if (item.slug !== '') paths.add(legacyPathKey(`/forums/${base}/${item.slug}`))
      for (const path of paths) {
        await trx.insertInto('legacy_paths').values({ path, kind, new_id: newId }).onConflict(oc => oc.column('path').doNothing()).execute()
      }
    }

    // Members: every listed author, and whoever wrote a post without being listed. An author is
    // remembered by a hash of their login, so the mapping holds no name once a member is erased.
    const authorKey = (login: string): string => createHash('sha256').update(`${wxr.site}\n${login}`).digest('base64url').slice(0, 22)
    const authors = new Map(wxr.authors.map(author => [author.login, author]))
    const firstPostAt = new Map<string, number>()
    for (const topic of plan.topics) for (const item of [topic.item, ...topic.replies]) firstPostAt.set(item.creator, Math.min(item.date, firstPostAt.get(item.creator) ?? Infinity))
    for (const replies of plan.repliesToImported.values()) for (const item of replies) firstPostAt.set(item.creator, Math.min(item.date, firstPostAt.get(item.creator) ?? Infinity))
    const members = new Map<string, ImportedMember>()
    for (const login of new Set([...authors.keys(), ...firstPostAt.keys()])) {
      const member = await importMember(trx, {
        login: login === '' ? 'anoniem' : login,
        author: authors.get(login),
        knownId: known.get(`user:${authorKey(login)}`),
        role: roles.get(userKey(login)),
        firstPostAt: firstPostAt.get(login),
        now,
        problems: report.problems
      })
      members.set(login, member)
      if (member.isNew) report.members++
      if (!known.has(`user:${authorKey(login)}`)) await remember('user', authorKey(login), member.id)
    }
    const authorKeys = new Set([...members.keys()].map(login => userKey(login)))
    for (const key of roles.keys()) {
      if (!authorKeys.has(key)) report.problems.push({ line: 0, message: `--roles names "${key}", who is no author in this export: ignored` })
    }

    // Forums, parents first.
    const forumsTouched = new Set<number>()
    for (const { item, parentId, private: isPrivate } of plan.forums) {
      step()
      if (known.has(`forum:${item.id}`)) continue
      const slug = await uniqueSlug(slugify(safeDecode(item.slug) || item.title, 'forum'),
        async s => (await trx.selectFrom('forums').select('id').where('slug', '=', s).executeTakeFirst()) !== undefined)
      const forum = await trx.insertInto('forums').values({
        slug,
        name: item.title || slug,
        description: item.content.toString('utf8').replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim().slice(0, 500),
        parent_id: parentId === 0 ? null : known.get(`forum:${parentId}`) ?? null,
        position: item.menuOrder,
        private: isPrivate ? 1 : 0,
        kind: 'normal'
      }).returning('id').executeTakeFirstOrThrow()
      await remember('forum', item.id, forum.id)
      await keepPaths(item, 'forum', 'forum', forum.id)
      forumsTouched.add(forum.id)
      report.forums++
    }

    const insertImportedPost = async (item: WxrItem, topicId: number, position: number | null): Promise<number> => {
      const author = members.get(item.creator)!
      const bodyMd = htmlToMarkdown(item.content.toString('utf8'))
      const bodyHtml = await renderPostBody(trx, bodyMd, { role: author.role })
      const taken = await trx.selectFrom('posts').select('id').where('id', '=', item.id).executeTakeFirst()
      if (taken) report.renumbered++
      const post = await trx.insertInto('posts').values({
        ...(taken ? {} : { id: item.id }),
        topic_id: topicId,
        author_id: author.id,
        // Added to a topic already here: a place of its own until the topic is numbered again.
        position: position ?? -item.id,
        visible_position: position,
        body_md: bodyMd,
        body_html: bodyHtml,
        created_at: item.date,
        fanned_out: 1
      }).returning('id').executeTakeFirstOrThrow()
      // A topic's own text answers to the topic's old id and paths (recorded with the topic).
      if (item.type === 'reply') {
        await remember('post', item.id, post.id)
        await keepPaths(item, 'reply', 'post', post.id)
        report.posts++
      }
      step()
      return post.id
    }

    const createImportedTopic = async (topic: PlannedTopic): Promise<number> => {
      const { item } = topic
      const forumId = known.get(`forum:${topic.forumId}`)!
      const title = item.title || `#${item.id}`
      const slug = await uniqueSlug(slugify(safeDecode(item.slug) || title), s => isTopicSlugTaken(trx, s))
      const row = await trx.insertInto('topics').values({
        forum_id: forumId, slug, title, author_id: members.get(item.creator)!.id, created_at: item.date, last_post_at: item.date,
        locked: topic.locked ? 1 : 0, pinned: topic.pinned ? 1 : 0, announced: topic.announced ? 1 : 0
      }).returning('id').executeTakeFirstOrThrow()
      // The topic's own text is its first post, and answers to the topic's old id.
      let lastPostId = await insertImportedPost(item, row.id, 1)
      for (const [i, reply] of topic.replies.entries()) lastPostId = await insertImportedPost(reply, row.id, i + 2)
      const last = topic.replies.at(-1) ?? item
      const count = topic.replies.length + 1
      await trx.updateTable('topics').set({ post_count: count, visible_post_count: count, reply_count: count - 1, last_post_id: lastPostId, last_post_at: last.date })
        .where('id', '=', row.id).execute()
      await remember('topic', item.id, row.id)
      await keepPaths(item, 'topic', 'topic', row.id)
      forumsTouched.add(forumId)
      report.topics++
      return row.id
    }

    /** Replies new in this export, to a topic a former run brought in: added, then the topic is numbered by date again. */
    const addReplies = async (topicId: number, replies: WxrItem[]): Promise<void> => {
  const fresh = replies.filter(reply => !known.has(`post:${reply.id}`))
      for (const reply of replies) if (known.has(`post:${reply.id}`)) step()
      if (fresh.length === 0) return
      for (const reply of fresh) await insertImportedPost(reply, topicId, null)
      await renumberTopic(trx, topicId)
      const topic = await trx.selectFrom('topics').select('forum_id').where('id', '=', topicId).executeTakeFirstOrThrow()
      forumsTouched.add(topic.forum_id)
    }

    for (const topic of plan.topics) {
      const topicId = known.get(`topic:${topic.item.id}`)
      if (topicId === undefined) await createImportedTopic(topic)
      else {
        step()
        await addReplies(topicId, topic.replies)
      }
    }
    for (const [oldTopicId, replies] of plan.repliesToImported) await addReplies(known.get(`topic:${oldTopicId}`)!, replies)
    if (total > 0) progress(total, total)

    // Counts as recount.ts keeps them, from the rows.
    for (const forumId of forumsTouched) await recountForum(trx, forumId)
    for (const member of members.values()) {
      await recountUser(trx, member.id)
      const last = await trx.selectFrom('posts').select(eb => eb.fn.max('created_at').as('at')).where('author_id', '=', member.id).executeTakeFirst()
      await trx.updateTable('users').set({ last_post_at: last?.at ?? null }).where('id', '=', member.id).execute()
    }

    // A link to set a password, through the forgotten-password flow, for every new member with an address.
    if (settings.mail !== null) {
      const host = new URL(settings.mail.baseUrl).hostname
      for (const member of members.values()) {
        if (!member.isNew || !member.hasMail) continue
        await enqueuePasswordLink(trx, (t, mail) => enqueueMail(t, mail, host, now), { ...member, locale: null },
          { siteLocale: settings.siteLocale, baseUrl: settings.mail.baseUrl, lifetimeMs: LINK_LIFETIME_MS, imported: true })
        report.mailed++
      }
    }
  })
  report.problems.sort((a, b) => a.line - b.line)
  return report
}

function safeDecode (text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
