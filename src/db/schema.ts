import type { Generated, Selectable } from 'kysely'
import type { Locale } from '../config.js'

export type Role = 'lid' | 'bijdrager' | 'moderator' | 'beheerder'

/** suspended_until for a suspension without an end date (the last millisecond of 9999). */
export const INDEFINITELY = 253402300799999

/** Times are milliseconds since the epoch; flags are 0/1 integers. */
export interface UsersTable {
  id: Generated<number>
  username: string
  username_key: string
  email: string
  email_key: string
  password_hash: string
  role: Generated<Role>
  created_at: number
  post_count: Generated<number>
  /** Suspended until this time; INDEFINITELY for no end. */
  suspended_until: number | null
  suspended_reason: string | null
  last_post_at: number | null
  last_edit_at: number | null
  /** A moderator chose this role: automatic promotion leaves it alone. */
  role_set_by_moderator: Generated<number>
  /** null until the member followed the link in the confirmation mail (only asked when mail is set up). */
  email_confirmed_at: number | null
  /** The member's language; null: the site's. */
  locale: Locale | null
  email_mode: Generated<EmailMode>
  /** Follow the topics one starts or replies to. */
  auto_watch: Generated<number>
  /** When the last daily or weekly digest went out. */
  last_digest_at: number | null
  /** Hard bounces of the address since it last changed. */
  hard_bounces: Generated<number>
  /** The profile: shown instead of the username where set. */
  display_name: Generated<string>
  organisation: Generated<string>
  job_title: Generated<string>
  region_id: number | null
  sector_id: number | null
  bio_md: Generated<string>
  bio_html: Generated<string>
  website: Generated<string>
  /** Given by the beheerder, e.g. "Arbeidsrechtjurist": shown beside the name everywhere. */
  expert_label: Generated<string>
  /** The stored avatar's file name under UPLOADS_DIR/avatars; null: initials. */
  avatar: string | null
  /** Asked to be erased: at this moment, unless a login cancels it first. */
  erase_after: number | null
  /** What happens to their posts, as they were told when they asked: 'keep' or 'remove'. */
  erase_posts: 'keep' | 'remove' | null
  /** Erased: the row keeps the posts' authorship and nothing of the person. */
  erased_at: number | null
}

export interface DataExportsTable {
  id: Generated<number>
  user_id: number
  requested_at: number
  /** null while it is being made. */
  ready_at: number | null
  expires_at: number | null
  /** The ZIP's name under DATA_DIR/exports. */
  stored_name: string | null
  size: number | null
}

export interface UploadsTable {
  id: Generated<number>
  post_id: number
  uploader_id: number
  /** The file's name under UPLOADS_DIR/files: generated, never the member's. */
  stored_name: string
  /** An image's small WebP copy, under the same folder. */
  thumb_name: string | null
  /** The name shown and given on download, cleaned of paths and control characters. */
  name: string
  /** Judged from the content. */
  mime: string
  size: number
  created_at: number
}

export interface ProfileChoicesTable {
  id: Generated<number>
  kind: 'region' | 'sector'
  name: string
  position: Generated<number>
}

export type EmailMode = 'immediately' | 'daily' | 'weekly' | 'mailing_list' | 'never'
export const EMAIL_MODES: readonly EmailMode[] = ['immediately', 'daily', 'weekly', 'mailing_list', 'never']

export interface SessionsTable {
  id_hash: string
  user_id: number
  created_at: number
  expires_at: number
}

export interface ForumsTable {
  id: Generated<number>
  parent_id: number | null
  slug: string
  name: string
  description: Generated<string>
  position: Generated<number>
  topic_count: Generated<number>
  post_count: Generated<number>
  last_post_id: number | null
  group_id: number | null
  /** 1: only the group's members and moderators read it. */
  private: Generated<number>
  /** 'questions': a reply can be marked the answer; 'proposals': members vote on its topics. */
  kind: Generated<ForumKind>
}

export type ForumKind = 'normal' | 'questions' | 'proposals'
export const FORUM_KINDS: readonly ForumKind[] = ['normal', 'questions', 'proposals']

export interface GroupsTable {
  id: Generated<number>
  slug: string
  name: string
  description: Generated<string>
  joining: 'open' | 'request' | 'closed'
  created_at: number
}

export interface GroupMembersTable {
  group_id: number
  user_id: number
  manager: Generated<number>
  /** null: asked to join, not yet approved. */
  joined_at: number | null
  created_at: number
}

export interface TopicsTable {
  id: Generated<number>
  forum_id: number
  slug: string
  title: string
  author_id: number
  created_at: number
  locked: Generated<number>
  pinned: Generated<number>
  hidden: Generated<number>
  /** Every post, hidden and queued ones too; equals the highest position. */
  post_count: Generated<number>
  /** Posts members may see; reply_count is this less the first post. */
  visible_post_count: Generated<number>
  reply_count: Generated<number>
  last_post_id: number | null
  last_post_at: number
  /** Pinned at the top of every forum. */
  announced: Generated<number>
  /** The opening post waits for approval: only its author and moderators see the topic. */
  queued: Generated<number>
  hidden_by: number | null
  hidden_reason: string | null
  /** Readers are told of moderation here (see listTopicNotices). */
  has_notices: Generated<number>
  /** In a question forum: the reply the asker (or a moderator) marked the answer. */
  answer_post_id: number | null
  /** In a proposals forum: votes (counted when cast), and what became of the proposal. */
  vote_count: Generated<number>
  proposal_status: Generated<ProposalStatus>
  /** A planned proposal's event topic. */
  proposal_event_id: number | null
  /** The topic carries an event (a row in events). */
  has_event: Generated<number>
}

export type ProposalStatus = 'open' | 'planned' | 'declined'
export const PROPOSAL_STATUSES: readonly ProposalStatus[] = ['open', 'planned', 'declined']

export interface TopicVotesTable {
  topic_id: number
  user_id: number
  created_at: number
}

export type EventRepeat = 'weekly' | 'monthly_nth' | 'monthly_last'
export const EVENT_REPEATS: readonly EventRepeat[] = ['weekly', 'monthly_nth', 'monthly_last']

/** An event carried by a topic. */
export interface EventsTable {
  topic_id: number
  /** The (first) occurrence, as instants. */
  starts_at: number
  ends_at: number
  /** As typed: YYYY-MM-DDTHH:MM in time_zone. */
  local_start: string
  local_end: string
  time_zone: string
  /** A place, or an online link. */
  place: Generated<string>
  capacity: number | null
  repeat: EventRepeat | null
  going_count: Generated<number>
  waiting_count: Generated<number>
  updated_at: number
}

/** 'waiting': wants to go, in line (by answered_at) for a free place. */
export type EventAnswerStatus = 'going' | 'waiting' | 'maybe' | 'not_going'

export interface EventAnswersTable {
  topic_id: number
  user_id: number
  status: EventAnswerStatus
  answered_at: number
  /** The start of the occurrence this member was last reminded of. */
  reminded_for: number | null
}

export interface PostsTable {
  id: Generated<number>
  topic_id: number
  author_id: number
  position: number
  body_md: string
  body_html: string
  created_at: number
  edited_at: number | null
  hidden: Generated<number>
  /** Waiting for a moderator's approval. */
  queued: Generated<number>
  /** Position among the posts members may see; null while hidden or queued. */
  visible_position: number | null
  hidden_by: number | null
  hidden_reason: string | null
  /** 0 while the post waits to be fanned out to followers. */
  fanned_out: Generated<number>
  /** Deleted: shown as such in its place; the text is kept only in a revision. */
  deleted_at: number | null
  deleted_by: number | null
  /** "Nuttig" marks, counted when given. */
  like_count: Generated<number>
}

export interface PostLikesTable {
  post_id: number
  user_id: number
  created_at: number
}

/** Unsent text of one form ('reply:TOPIC', 'topic:FORUM', 'edit:POST'), kept per member. */
export interface DraftsTable {
  user_id: number
  form: string
  title: Generated<string>
  body: string
  updated_at: number
}

export interface PostRevisionsTable {
  id: Generated<number>
  post_id: number
  editor_id: number
  created_at: number
  reason: string | null
  title: string | null
  body_md: string
}

export type Resolution = 'upheld' | 'dismissed'

export interface ReportsTable {
  id: Generated<number>
  post_id: number
  reporter_id: number
  reason: string
  created_at: number
  resolved_at: number | null
  resolved_by: number | null
  resolution: Resolution | null
}

export interface ModerationLogTable {
  id: Generated<number>
  moderator_id: number
  action: string
  topic_id: number | null
  post_id: number | null
  user_id: number | null
  from_value: string | null
  to_value: string | null
  reason: string | null
  created_at: number
  /** The other topic of a split or merge. */
  other_topic_id: number | null
  /** Posts moved by a split or merge. */
  post_count: number | null
}

export interface ForumModeratorsTable {
  user_id: number
  forum_id: number
}

/** Former slugs of renamed topics, which answer with a redirect. */
export interface TopicSlugsTable {
  slug: string
  topic_id: number
  created_at: Generated<number>
}

export interface SettingsTable {
  key: string
  value: string
}

export interface LoginFailuresTable {
  user_id: number
  at: number
}

export interface OutboxTable {
  id: Generated<number>
  to_address: string
  subject: string
  text_body: string
  html_body: string
  message_id: string
  created_at: number
  send_after: number
  attempts: Generated<number>
  last_error: string | null
  sent_at: number | null
  /** Extra headers (threading, List-*), as JSON. */
  headers: string | null
  /** Claimed by a process sending it, until then (mail/outbox.ts claimDueMails). */
  claimed_until: number | null
}

/** Rate-limit counters shared by every process on a PostgreSQL database (plugins/rate-limit-store.ts). */
export interface RateLimitsTable {
  key: string
  hits: number
  window_started_at: number
}

export type WatchLevel = 'watching' | 'normal' | 'muted' | 'new_topics'

export interface WatchesTable {
  user_id: number
  topic_id: number | null
  forum_id: number | null
  level: WatchLevel
}

export type NotificationKind = 'mentioned' | 'quoted' | 'replied' | 'watching' | 'new_topic' | 'forum_post' | 'moderated' | 'accepted'

export interface NotificationsTable {
  id: Generated<number>
  user_id: number
  kind: NotificationKind
  post_id: number | null
  topic_id: number | null
  actor_id: number | null
  detail: string | null
  created_at: number
  read_at: number | null
  mail_after: number | null
  mailed_at: number | null
}

export type TokenPurpose = 'confirm_email' | 'reset_password' | 'change_email'

export interface EmailTokensTable {
  token_hash: string
  user_id: number
  purpose: TokenPurpose
  created_at: number
  expires_at: number
  used_at: number | null
  /** For change_email: the new address. */
  email: string | null
}

export interface TopicReadsTable {
  user_id: number
  topic_id: number
  /** The highest post position the member has seen in the topic. */
  last_position: number
}

export interface UserMutesTable {
  user_id: number
  muted_user_id: number
}

export interface InboundMailsTable {
  message_id: string
  received_at: number
  outcome: string
}

export type ImportedKind = 'user' | 'forum' | 'topic' | 'post'
export type LegacyKind = 'forum' | 'topic' | 'post'

/** What `kring import-bbpress` brought in (migration 2026_11_30_0021). */
export interface ImportedItemsTable {
  source: string
  kind: ImportedKind
  old_id: string
  new_id: number
  imported_at: number
}

/** Old bbPress paths, decoded, lower-cased and without a trailing slash. */
export interface LegacyPathsTable {
  path: string
  kind: LegacyKind
  new_id: number
}

export interface Database {
  rate_limits: RateLimitsTable
  imported_items: ImportedItemsTable
  legacy_paths: LegacyPathsTable
  data_exports: DataExportsTable
  users: UsersTable
  sessions: SessionsTable
  forums: ForumsTable
  groups: GroupsTable
  profile_choices: ProfileChoicesTable
  uploads: UploadsTable
  group_members: GroupMembersTable
  topics: TopicsTable
  posts: PostsTable
  topic_slugs: TopicSlugsTable
  settings: SettingsTable
  post_revisions: PostRevisionsTable
  reports: ReportsTable
  moderation_log: ModerationLogTable
  forum_moderators: ForumModeratorsTable
  login_failures: LoginFailuresTable
  outbox: OutboxTable
  email_tokens: EmailTokensTable
  watches: WatchesTable
  notifications: NotificationsTable
  inbound_mails: InboundMailsTable
  user_mutes: UserMutesTable
  topic_reads: TopicReadsTable
  post_likes: PostLikesTable
  drafts: DraftsTable
  events: EventsTable
  event_answers: EventAnswersTable
  topic_votes: TopicVotesTable
}

export type User = Selectable<UsersTable>
export type Forum = Selectable<ForumsTable>
export type Group = Selectable<GroupsTable>
export type StoredUpload = Selectable<UploadsTable>
export type Topic = Selectable<TopicsTable>
export type Post = Selectable<PostsTable>
