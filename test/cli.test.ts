import t from 'tap'
import { execFile } from 'node:child_process'
import path from 'node:path'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import SQLite from 'better-sqlite3'
import { projectPath } from '../src/lib/paths.js'
import { verifyPassword } from '../src/lib/passwords.js'

interface Run { code: number, stdout: string, stderr: string }

/** Runs the real `kring` command against a data folder. */
function kring (dataDir: string, ...args: string[]): Promise<Run> {
  return new Promise(resolve => {
    execFile(process.execPath, ['--import', 'tsx', projectPath('src', 'cli.ts'), ...args], {
      cwd: projectPath(), env: { ...process.env, DATA_DIR: dataDir }
    }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
    })
  })
}

function database (dataDir: string): SQLite.Database {
  return new SQLite(path.join(dataDir, 'kring.sqlite'), { readonly: true })
}

t.test('user add creates a member who can log in, and refuses bad input on stderr', async t => {
  const dir = t.testdir()
  const added = await kring(dir, 'user', 'add', '--username', 'Els', '--email', 'els@example.org', '--password', 'een lang wachtwoord', '--role', 'moderator')
  t.equal(added.code, 0, added.stderr)
  t.match(added.stdout, /Added Els \(moderator\)/)
  const db = database(dir)
  t.teardown(() => db.close())
  const row = db.prepare('select username, email, role, password_hash from users').get() as Record<string, string>
  t.same({ username: row.username, email: row.email, role: row.role }, { username: 'Els', email: 'els@example.org', role: 'moderator' })
  t.ok(await verifyPassword('een lang wachtwoord', row.password_hash), 'the stored hash verifies')
  t.match(row.password_hash, /^scrypt\$17\$8\$1\$/, 'production cost N=2^17, r=8, p=1')

  for (const [args, message] of [
    [['--username', 'els', '--email', 'other@example.org', '--password', 'een lang wachtwoord'], /taken/],
    [['--username', 'piet', '--email', 'ELS@example.org', '--password', 'een lang wachtwoord'], /e-mail/],
    [['--username', 'piet', '--email', 'piet@example.org', '--password', 'kort'], /12 characters/],
    [['--username', 'p', '--email', 'piet@example.org', '--password', 'een lang wachtwoord'], /3 to 30/],
    [['--username', 'piet', '--email', 'piet@example.org', '--password', 'een lang wachtwoord', '--role', 'koning'], /Unknown role/],
    [['--username', 'piet'], /needs --username, --email and --password/]
  ] as Array<[string[], RegExp]>) {
    const run = await kring(dir, 'user', 'add', ...args)
    t.not(run.code, 0, `exit code for ${args.join(' ')}`)
    t.match(run.stderr, message)
    t.notMatch(run.stderr, /at .*\.ts:\d+/, 'no stack trace')
  }
  t.equal((db.prepare('select count(*) as n from users').get() as { n: number }).n, 1, 'nothing else stored')
})

t.test('user role changes a role; unknown members and roles fail', async t => {
  const dir = t.testdir()
  await kring(dir, 'user', 'add', '--username', 'jan', '--email', 'jan@example.org', '--password', 'een lang wachtwoord')
  const changed = await kring(dir, 'user', 'role', 'JAN', 'bijdrager')
  t.equal(changed.code, 0, changed.stderr)
  const db = database(dir)
  t.teardown(() => db.close())
  t.equal((db.prepare('select role from users').get() as { role: string }).role, 'bijdrager')
  t.not((await kring(dir, 'user', 'role', 'nobody', 'lid')).code, 0)
  const badRole = await kring(dir, 'user', 'role', 'jan', 'keizer')
  t.not(badRole.code, 0)
  t.match(badRole.stderr, /Unknown role/)
})

t.test('forum add makes forums and subforums with unique slugs', async t => {
  const dir = t.testdir()
  t.equal((await kring(dir, 'forum', 'add', '--name', 'Regio Noord', '--description', 'Het noorden')).code, 0)
  t.equal((await kring(dir, 'forum', 'add', '--name', 'Groningen', '--parent', 'regio-noord')).code, 0)
  t.equal((await kring(dir, 'forum', 'add', '--name', 'Regio Noord')).code, 0)
  t.equal((await kring(dir, 'forum', 'add', '--name', 'Eigen', '--slug', 'mijn-slug')).code, 0)
  const noParent = await kring(dir, 'forum', 'add', '--name', 'Wees', '--parent', 'bestaat-niet')
  t.not(noParent.code, 0)
  t.match(noParent.stderr, /No forum with slug/)
  const badSlug = await kring(dir, 'forum', 'add', '--name', 'X', '--slug', 'Niet Goed')
  t.not(badSlug.code, 0)
  const db = database(dir)
  t.teardown(() => db.close())
  const forums = db.prepare('select f.slug, p.slug as parent, f.description from forums f left join forums p on p.id = f.parent_id order by f.id').all()
  t.same(forums, [
    { slug: 'regio-noord', parent: null, description: 'Het noorden' },
    { slug: 'groningen', parent: 'regio-noord', description: '' },
    { slug: 'regio-noord-2', parent: null, description: '' },
    { slug: 'mijn-slug', parent: null, description: '' }
  ])
})

t.test('backup writes a consistent copy; migrate is idempotent; unknown commands fail', async t => {
  const dir = t.testdir()
  t.equal((await kring(dir, 'migrate')).code, 0)
  t.equal((await kring(dir, 'migrate')).code, 0, 'a second migrate is a no-op')
  await kring(dir, 'forum', 'add', '--name', 'Algemeen')
  const target = path.join(dir, 'copy.sqlite')
  const done = await kring(dir, 'backup', target)
  t.equal(done.code, 0, done.stderr)
  const copy = new SQLite(target, { readonly: true })
  t.teardown(() => copy.close())
  t.equal((copy.pragma('integrity_check', { simple: true })), 'ok')
  t.same(copy.prepare('select slug from forums').all(), [{ slug: 'algemeen' }])
  const again = await kring(dir, 'backup', target)
  t.not(again.code, 0, 'never overwrites a file')
  t.match(again.stderr, /exists already/)
  const unknown = await kring(dir, 'frobnicate')
  t.not(unknown.code, 0)
  t.match(unknown.stderr, /Unknown command/)
})

t.test('a backup holds the uploads; restore puts both back, and will not overwrite a forum or a running one unasked', async t => {
  const dir = t.testdir()
  await kring(dir, 'forum', 'add', '--name', 'Algemeen')
  const uploads = path.join(dir, 'uploads', 'files')
  mkdirSync(uploads, { recursive: true })
  writeFileSync(path.join(uploads, 'abc.pdf'), '%PDF-1.4 het verslag')
  const backupDir = path.join(dir, 'backups')
  mkdirSync(backupDir)
  const target = path.join(backupDir, 'kring-backup.sqlite')
  const done = await kring(dir, 'backup', target)
  t.equal(done.code, 0, done.stderr)
  t.match(done.stdout, /and 2 uploaded files/, 'the uploads are copied beside it')
  t.equal(readFileSync(path.join(`${target}.uploads`, 'files', 'abc.pdf'), 'utf8'), '%PDF-1.4 het verslag')

  // Things change after the backup: another forum, a file gone.
  await kring(dir, 'forum', 'add', '--name', 'Later')
  rmSync(path.join(uploads, 'abc.pdf'))
  const refused = await kring(dir, 'restore', target)
  t.not(refused.code, 0, 'an existing forum is not replaced without --force')
  t.match(refused.stderr, /add --force/)
  writeFileSync(path.join(dir, 'kring.pid'), String(process.pid))
  const running = await kring(dir, 'restore', target, '--force')
  t.match(running.stderr, /The forum is running/, 'nor a running one, not even with --force')
  rmSync(path.join(dir, 'kring.pid'))
  const restored = await kring(dir, 'restore', target, '--force')
  t.equal(restored.code, 0, restored.stderr)
  const db = database(dir)
  t.teardown(() => db.close())
  t.same(db.prepare('select slug from forums').all(), [{ slug: 'algemeen' }], 'the database as it was')
  t.equal(readFileSync(path.join(uploads, 'abc.pdf'), 'utf8'), '%PDF-1.4 het verslag', 'and the files')
  writeFileSync(path.join(backupDir, 'nep.sqlite'), 'geen database')
  const bad = await kring(dir, 'restore', path.join(backupDir, 'nep.sqlite'), '--force')
  t.not(bad.code, 0, 'a file that is not a backup is refused')
  t.same(db.prepare('select slug from forums').all(), [{ slug: 'algemeen' }], 'and changes nothing')
})
