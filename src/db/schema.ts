import type { Generated, Insertable, Selectable, Updateable } from 'kysely'

export type Role = 'lid' | 'bijdrager' | 'moderator' | 'beheerder'

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
  suspended_until: number | null
  suspended_reason: string | null
}

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
  post_count: Generated<number>
  reply_count: Generated<number>
  last_post_id: number | null
  last_post_at: number
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
}

export interface TopicSlugsTable {
  slug: string
  topic_id: number
}

export interface SettingsTable {
  key: string
  value: string
}

export interface Database {
  users: UsersTable
  sessions: SessionsTable
  forums: ForumsTable
  topics: TopicsTable
  posts: PostsTable
  topic_slugs: TopicSlugsTable
  settings: SettingsTable
}

export type User = Selectable<UsersTable>
export type NewUser = Insertable<UsersTable>
export type Forum = Selectable<ForumsTable>
export type Topic = Selectable<TopicsTable>
export type TopicUpdate = Updateable<TopicsTable>
export type Post = Selectable<PostsTable>
