import t from 'tap'
import type { Post, Role, Topic, User } from '../src/db/schema.js'
import { DEFAULT_SETTINGS } from '../src/models/settings.js'
import { can, type Action, type Member, type Viewer } from '../src/permissions.js'

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0)
const MINUTE = 60_000
const settings = { ...DEFAULT_SETTINGS, edit_window_minutes: 60 }

// Plain rows with the columns the rules look at; the cast keeps them valid as the schema grows.
function member (id: number, role: Role, suspendedUntil: number | null = null): User {
  return {
    id,
    username: `${role}${id}`,
    username_key: `${role}${id}`,
    email: `${role}${id}@example.org`,
    email_key: `${role}${id}@example.org`,
    password_hash: 'scrypt$10$8$1$salt$key',
    role,
    created_at: NOW - 86_400_000,
    post_count: 0,
    suspended_until: suspendedUntil,
    suspended_reason: suspendedUntil === null ? null : 'spam'
  } as User
}

function topic (locked: boolean): Topic {
  return {
    id: 1, forum_id: 1, slug: 'een-vraag', title: 'Een vraag', author_id: 99, created_at: NOW - 3_600_000,
    locked: locked ? 1 : 0, pinned: 0, hidden: 0, post_count: 1, reply_count: 0, last_post_id: 1, last_post_at: NOW - 3_600_000
  } as Topic
}

function post (authorId: number, ageMinutes: number): Post {
  return {
    id: 7, topic_id: 1, author_id: authorId, position: 2, body_md: 'Hoi', body_html: '<p>Hoi</p>',
    created_at: NOW - ageMinutes * MINUTE, edited_at: null, hidden: 0, deleted_at: null
  } as Post
}

// Every viewer has id 1, so "own" posts are written by author 1 and "other" posts by author 2.
const viewers: Record<string, Viewer> = {
  guest: null,
  lid: member(1, 'lid'),
  bijdrager: member(1, 'bijdrager'),
  moderator: member(1, 'moderator'),
  beheerder: member(1, 'beheerder'),
  'suspended lid': member(1, 'lid', Date.now() + 86_400_000),
  'suspended moderator': member(1, 'moderator', Date.now() + 86_400_000),
  'lid whose suspension ended': member(1, 'lid', Date.now() - MINUTE),
  'moderator of another forum': { ...member(1, 'moderator'), moderatedForumIds: [2] } satisfies Member
}

const actions: Record<string, Action> = {
  'topic.create': { do: 'topic.create' },
  'topic.reply open': { do: 'topic.reply', topic: topic(false) },
  'topic.reply locked': { do: 'topic.reply', topic: topic(true) },
  'post.edit own, within window': { do: 'post.edit', post: post(1, 59), topic: { forum_id: 1, locked: 0, announced: 0 }, settings, now: NOW },
  'post.edit own, after window': { do: 'post.edit', post: post(1, 61), topic: { forum_id: 1, locked: 0, announced: 0 }, settings, now: NOW },
  'post.edit other': { do: 'post.edit', post: post(2, 5), topic: { forum_id: 1, locked: 0, announced: 0 }, settings, now: NOW }
}

// Expected answer per viewer, in the order of `actions`: true = allowed, otherwise the refusal's reason.
const L = 'refusal.login'
const S = 'refusal.suspended'
const expected: Record<string, Array<true | string>> = {
  guest: [L, L, L, L, L, L],
  lid: [true, true, 'refusal.locked', true, 'refusal.edit_window', 'refusal.not_yours'],
  bijdrager: [true, true, 'refusal.locked', true, true, 'refusal.not_yours'],
  moderator: [true, true, true, true, true, true],
  beheerder: [true, true, true, true, true, true],
  'suspended lid': [S, S, S, S, S, S],
  'suspended moderator': [S, S, S, S, S, S],
  'lid whose suspension ended': [true, true, 'refusal.locked', true, 'refusal.edit_window', 'refusal.not_yours'],
  // The topic and posts are in forum 1; a moderator limited to forum 2 is a bijdrager here.
  'moderator of another forum': [true, true, 'refusal.locked', true, true, 'refusal.not_yours']
}

t.test('who may do what', async t => {
  for (const [who, viewer] of Object.entries(viewers)) {
    Object.keys(actions).forEach((name, i) => {
      const decision = can(viewer, actions[name])
      const want = expected[who][i]
      if (want === true) t.same(decision, { ok: true }, `${who}: ${name} allowed`)
      else t.match(decision, { ok: false, reason: want }, `${who}: ${name} refused (${want})`)
    })
  }
})

t.test('a guest is sent to log in; a refused member is not', async t => {
  t.match(can(null, actions['topic.create']), { ok: false, needsLogin: true })
  t.match(can(viewers.lid, actions['topic.reply locked']), { ok: false, needsLogin: false })
  t.match(can(viewers['suspended lid'], actions['topic.create']), { ok: false, needsLogin: false })
})

t.test('the edit window is the setting, measured from when the post was written', async t => {
  const lid = viewers.lid
  const edit = (ageMinutes: number, windowMinutes: number): boolean =>
    can(lid, { do: 'post.edit', post: post(1, ageMinutes), topic: { forum_id: 1, locked: 0, announced: 0 }, settings: { ...settings, edit_window_minutes: windowMinutes }, now: NOW }).ok
  t.equal(edit(60, 60), true, 'exactly at the end of the window')
  t.equal(edit(60.5, 60), false, 'just after the window')
  t.equal(edit(100, 120), true, 'a longer window')
  t.equal(edit(1, 0), false, 'no window at all')
})
