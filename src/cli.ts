#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { loadConfig, databaseFile, ConfigError, uploadsDirectory } from './config.js'
import { backUpUploads, restoreBackup, runningForumPid, uploadsBesideBackup } from './backups.js'
import { progressBar } from './lib/progress.js'
import type { Role } from './db/schema.js'
import { hashPassword } from './lib/passwords.js'
import { checkEmail, checkPassword, checkUsername } from './lib/validation.js'
import { createForum, ForumError } from './models/forums.js'
import { createUser, findUserByUsername, isEmailTaken, isUsernameTaken, ROLES, setUserRole } from './models/users.js'
import { translator } from './lib/i18n.js'
import { MAX_INBOUND_BYTES } from './mail/reply-keys.js'
import { fillBulkDemo } from './demo-bulk.js'
import { randomBytes } from 'node:crypto'
import { newFile, sqliteOnly, UsageError, withDatabase } from './cli/common.js'
import { copyToPostgresCommand, forumExport, forumImport, importBbpressCommand, userErase, userExport } from './cli/data-commands.js'

const USAGE = `Usage: kring <command>

  user add --username U --email E --password P [--role lid|bijdrager|moderator|beheerder]
  user role USERNAME ROLE
  user export USERNAME FILE
                       a member's own data as a ZIP (what they get at /account/export)
  user erase USERNAME  erase a member at once (no grace period); their posts are kept or removed by the erased_posts setting
  forum add --name N [--slug S] [--parent SLUG] [--description D]
  backup FILE          a consistent copy of the database (FILE) and the uploads (FILE.uploads/), safe while the forum runs
  restore FILE [--force]
                       put a backup back (the forum stopped; --force replaces an existing forum)
  migrate              bring the database schema up to date
  demo --posts N [--topics M] [--members K]
                       fill the database with a large realistic Dutch forum (for trying Kring at size)
  mail-in              take in one mail (RFC 5322) on standard input, for an MTA's pipe:
                       a reply by mail posts in its topic (MAIL_REPLY_ADDRESS)
  export FILE          the whole forum (every table and the uploads) in one ZIP archive, safe while the forum runs
  import FILE          read such an archive into a new, empty forum (the forum stopped); the search index is rebuilt
  import-bbpress WXR_FILE [--roles ROLES.csv]
                       a bbPress forum from a WordPress export (Tools → Export); authors become members (lid, or
                       the role in ROLES.csv: username,role); old bbPress URLs answer 301; running it again adds only what is new
  copy-to-postgres URL the SQLite forum into an empty PostgreSQL database (postgres://…), migrated first, with every
                       row checked; then start Kring with DATABASE_URL=URL and the same UPLOADS_DIR (the forum stopped)

The database lives in DATA_DIR (default ./data).`

function isRole (value: string): value is Role {
  return (ROLES as readonly string[]).includes(value)
}

// Validation messages come from the locale files; the CLI speaks English.
const messages = translator('en')

function check (error: string | null): void {
  if (error !== null) throw new UsageError(messages.t(error))
}

async function userAdd (args: string[]): Promise<string> {
  const { values } = parseArgs({ args, options: { username: { type: 'string' }, email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string' } } })
  const { username, email, password } = values
  const role = values.role ?? 'lid'
  if (!username || !email || !password) throw new UsageError('user add needs --username, --email and --password')
  if (!isRole(role)) throw new UsageError(`Unknown role "${role}": use one of ${ROLES.join(', ')}`)
  check(checkUsername(username))
  check(checkEmail(email))
  check(checkPassword(password))
  const config = loadConfig()
  return withDatabase(async ({ db }) => {
    if (await isUsernameTaken(db, username)) throw new UsageError(`The username "${username}" is taken`)
    if (await isEmailTaken(db, email)) throw new UsageError(`There is already a member with e-mail ${email}`)
    await createUser(db, { username, email, role, passwordHash: await hashPassword(password, config.passwordCost) })
    return `Added ${username} (${role})`
  })
}

async function userRole (args: string[]): Promise<string> {
  const [username, role] = args
  if (!username || !role || args.length > 2) throw new UsageError('user role needs USERNAME ROLE')
  if (!isRole(role)) throw new UsageError(`Unknown role "${role}": use one of ${ROLES.join(', ')}`)
  return withDatabase(async ({ db }) => {
    const user = await findUserByUsername(db, username)
    if (!user) throw new UsageError(`No member called "${username}"`)
    await setUserRole(db, user.id, role)
    return `${user.username} is now ${role}`
  })
}

async function forumAdd (args: string[]): Promise<string> {
  const { values } = parseArgs({ args, options: { name: { type: 'string' }, slug: { type: 'string' }, parent: { type: 'string' }, description: { type: 'string' } } })
  if (!values.name) throw new UsageError('forum add needs --name')
  return withDatabase(async ({ db }) => {
    try {
      const forum = await createForum(db, { name: values.name!, slug: values.slug, parentSlug: values.parent, description: values.description })
      return `Added forum "${forum.name}" at /forum/${forum.slug}`
    } catch (error) {
      if (error instanceof ForumError) throw new UsageError(error.message)
      throw error
    }
  })
}

async function backup (args: string[]): Promise<string> {
  const [file] = args
  if (!file || args.length > 1) throw new UsageError('backup needs FILE')
  const target = newFile(file)
  if (existsSync(uploadsBesideBackup(target))) throw new UsageError(`${uploadsBesideBackup(target)} exists already: choose a new file name`)
  return withDatabase(async open => {
    const sqlite = sqliteOnly(open, 'backup', 'back up with pg_dump, and UPLOADS_DIR beside it')
    // SQLite's online backup copies a consistent snapshot while the forum keeps writing.
    await sqlite.backup(target)
    const files = await backUpUploads(uploadsDirectory(loadConfig()), target)
    return `Backed up to ${target}${files > 0 ? ` and ${files} uploaded files to ${uploadsBesideBackup(target)}` : ''}`
  })
}

async function restore (args: string[]): Promise<string> {
  const { values, positionals } = parseArgs({ args, options: { force: { type: 'boolean' } }, allowPositionals: true, strict: true })
  const [file] = positionals
  if (!file || positionals.length > 1) throw new UsageError('restore needs FILE [--force]')
  const source = path.resolve(file)
  if (!existsSync(source)) throw new UsageError(`There is no backup at ${source}`)
  const config = loadConfig()
  if (config.databaseUrl !== null) throw new UsageError('kring restore puts back a SQLite file; with DATABASE_URL, restore with pg_restore or psql, and UPLOADS_DIR beside it')
  const running = runningForumPid(config.dataDir)
  if (running !== null) throw new UsageError(`The forum is running (process ${running}): stop it first`)
  if (existsSync(databaseFile(config)) && values.force !== true) throw new UsageError(`${databaseFile(config)} holds a forum already: add --force to replace it with the backup`)
  try {
    await restoreBackup(source, databaseFile(config), uploadsDirectory(config))
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  return withDatabase(async () => `Restored ${source} into ${config.dataDir}`)
}

async function migrate (): Promise<string> {
  return withDatabase(async () => 'The database is up to date', { progress: true })
}

async function demo (args: string[]): Promise<string> {
  const { values } = parseArgs({ args, options: { posts: { type: 'string' }, topics: { type: 'string' }, members: { type: 'string' } }, strict: true })
  const count = (text: string | undefined, fallback: number, name: string): number => {
    if (text === undefined) return fallback
    if (!/^\d{1,8}$/.test(text) || Number(text) < 1) throw new UsageError(`--${name} needs a positive whole number`)
    return Number(text)
  }
  const posts = count(values.posts, 0, 'posts')
  if (posts === 0) throw new UsageError('demo needs --posts N')
  const topics = Math.min(posts, count(values.topics, Math.max(1, Math.round(posts / 20)), 'topics'))
  const members = count(values.members, Math.min(5000, Math.max(10, Math.round(posts / 200))), 'members')
  const started = Date.now()
  return withDatabase(async open => {
    const sqlite = sqliteOnly(open, 'demo', 'make the demo forum on SQLite and move it with kring copy-to-postgres')
    const hash = await hashPassword(randomBytes(18).toString('base64url'), 10)
    const { firstTopicSlug } = fillBulkDemo(sqlite, {
      posts, topics, members,
      progress: progressBar('posts')
    }, hash)
    return `Made ${posts} posts in ${topics} topics by ${members} members in ${((Date.now() - started) / 1000).toFixed(1)} s (first topic: /topic/${firstTopicSlug})`
  })
}

/** Exit codes an MTA understands (sysexits.h): the mail is bad, the address unknown, or reply by mail is off. */
const EX_DATAERR = 65
const EX_NOUSER = 67
const EX_UNAVAILABLE = 69

async function mailIn (): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length
    if (size > MAX_INBOUND_BYTES) throw Object.assign(new UsageError('mail too large'), { exitCode: EX_DATAERR })
    chunks.push(chunk as Buffer)
  }
  // The whole forum, loaded only for this command: a reply obeys every rule of the web form.
  const { buildApp } = await import('./app.js')
  const { receiveMail } = await import('./mail/inbound.js')
  const app = await buildApp(loadConfig(process.env, { logLevel: 'silent', inboundSmtpPort: null }))
  try {
    const outcome = await receiveMail(app, Buffer.concat(chunks))
    if (outcome.status !== 'rejected') return outcome.status === 'posted' ? `posted as post ${outcome.postId}` : `${outcome.status}: ${outcome.reason}`
    const code = /too large|not a mail/.test(outcome.reason) ? EX_DATAERR : /is off/.test(outcome.reason) ? EX_UNAVAILABLE : EX_NOUSER
    throw Object.assign(new UsageError(outcome.reason), { exitCode: code })
  } finally {
    await app.close()
  }
}

export async function runCli (argv: string[]): Promise<string> {
  const [command, sub, ...rest] = argv
  if (command === 'user' && sub === 'add') return userAdd(rest)
  if (command === 'user' && sub === 'role') return userRole(rest)
  if (command === 'user' && sub === 'export') return userExport(rest)
  if (command === 'user' && sub === 'erase') return userErase(rest)
  if (command === 'forum' && sub === 'add') return forumAdd(rest)
  if (command === 'backup') return backup(argv.slice(1))
  if (command === 'restore') return restore(argv.slice(1))
  if (command === 'migrate' && argv.length === 1) return migrate()
  if (command === 'mail-in' && argv.length === 1) return mailIn()
  if (command === 'demo') return demo(argv.slice(1))
  if (command === 'export') return forumExport(argv.slice(1))
  if (command === 'import') return forumImport(argv.slice(1))
  if (command === 'import-bbpress') return importBbpressCommand(argv.slice(1))
  if (command === 'copy-to-postgres') return copyToPostgresCommand(argv.slice(1))
  if (command === undefined || command === 'help' || command === '--help') return USAGE
  throw new UsageError(`Unknown command "${argv.join(' ')}"\n\n${USAGE}`)
}

runCli(process.argv.slice(2)).then(message => {
  console.log(message)
}, error => {
  const known = error instanceof UsageError || error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  console.error(known ? `kring: ${(error as Error).message}` : error)
  process.exitCode = (error as { exitCode?: number }).exitCode ?? 1
})
