import t from 'tap'
import { execFile } from 'node:child_process'
import { createWriteStream, existsSync, promises as fs } from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import SQLite from 'better-sqlite3'
import yauzl from 'yauzl'
import yazl from 'yazl'
import { allTextOfClass, buildTestApp, loggedIn, Visitor } from '../helper.js'
import { buildForum } from '../sample-forum.js'
import { projectPath } from '../../src/lib/paths.js'

// A forum archive is made from and into the SQLite file (on PostgreSQL, pg_dump does this work), so these apps run on SQLite.
import { loadConfig, uploadsDirectory } from '../../src/config.js'
import { buildApp } from '../../src/app.js'
import { decodeValue, encodeValue } from '../../src/data/archive-format.js'

// `kring export FILE` and `kring import FILE`: a whole forum moved between installations (issue 11).

interface Run { code: number, stdout: string, stderr: string, ms: number }

/** Runs the real `kring` command against a data folder. */
function kring (dataDir: string, ...args: string[]): Promise<Run> {
  const started = Date.now()
  return new Promise(resolve => {
    execFile(process.execPath, ['--import', 'tsx', projectPath('src', 'cli.ts'), ...args], {
      cwd: projectPath(), env: { ...process.env, DATA_DIR: dataDir, KRING_LOCALE: 'nl' }
    }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, ms: Date.now() - started })
    })
  })
}

/** Every entry of an archive with its bytes (the test forum is small). */
async function readArchive (file: string): Promise<Map<string, Buffer>> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true })
  const entries = new Map<string, Buffer>()
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, async (error, stream) => {
        if (error) return reject(error)
        const chunks: Buffer[] = []
        for await (const chunk of stream) chunks.push(chunk as Buffer)
        entries.set(entry.fileName, Buffer.concat(chunks))
        zip.readEntry()
      })
    })
    zip.on('end', resolve)
    zip.on('error', reject)
    zip.readEntry()
  })
  return entries
}

async function writeArchive (file: string, entries: Map<string, Buffer>): Promise<void> {
  const zip = new yazl.ZipFile()
  for (const [name, data] of entries) zip.addBuffer(data, name)
  zip.end()
  await pipeline(zip.outputStream, createWriteStream(file))
}

/** An archive changed by `change`, written beside the original. */
async function altered (file: string, name: string, change: (entries: Map<string, Buffer>) => void): Promise<string> {
  const entries = await readArchive(file)
  change(entries)
  const target = path.join(path.dirname(file), name)
  await writeArchive(target, entries)
  return target
}

const manifestOf = (entries: Map<string, Buffer>): Record<string, unknown> => JSON.parse(entries.get('manifest.json')!.toString()) as Record<string, unknown>

/** What the target holds after a refused import: nothing. */
async function emptiness (dataDir: string): Promise<{ users: number, posts: number, forums: number, files: string[] }> {
  const db = new SQLite(path.join(dataDir, 'kring.sqlite'), { readonly: true })
  try {
    const count = (table: string): number => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n
    const uploads = uploadsDirectory({ dataDir, uploadsDir: null })
    const files = existsSync(uploads) ? (await fs.readdir(uploads, { recursive: true })).map(String) : []
    return { users: count('users'), posts: count('posts'), forums: count('forums'), files }
  } finally {
    db.close()
  }
}
const EMPTY = { users: 0, posts: 0, forums: 0, files: [] }

/** A page as a reader sees it, without what differs per request (the CSRF token). */
const page = async (visitor: Visitor, url: string): Promise<{ status: number, main: string }> => {
  const response = await visitor.get(url)
  return { status: response.statusCode, main: (/<main[\s\S]*<\/main>/.exec(response.body)?.[0] ?? '').replace(/name="_csrf" value="[^"]*"/g, '') }
}

t.test('export, import into a new DATA_DIR: the forum reads the same, and exports the same again', async t => {
  // One test folder (t.testdir() empties it on every call), the source forum in it.
  const dir = t.testdir()
  const source = await buildTestApp(t, { dataDir: path.join(dir, 'source'), databaseUrl: null })
  const forum = await buildForum(source)
  const archive = path.join(dir, 'forum.zip')
  const urls = ['/', `/topic/${forum.topic}`, `/topic/${forum.eventTopic}`, `/topic/${forum.secretTopic}`, '/forum/groningen', '/groups', '/notifications', '/user/anna']
  const before = new Map<string, unknown>()
  // Reading marks topics read and notifications seen: a first round, so that what is compared is what was exported.
  for (const url of urls) await forum.anna.get(url)
  for (const url of urls) before.set(`guest ${url}`, await page(new Visitor(source), url))
  for (const url of urls) before.set(`anna ${url}`, await page(forum.anna, url))
  t.equal(allTextOfClass((await forum.anna.get('/notifications')).body.split('<main')[1] ?? '', 'notification').length > 0, true, 'anna has notifications')

  // The source keeps running while it is exported.
  const exported = await kring(source.config.dataDir, 'export', archive)
  t.equal(exported.code, 0, exported.stderr)
  t.match(exported.stdout, /Exported [\d,]+ rows in \d+ tables and 1 files to/)
  t.match(exported.stderr, /\[#+\] [\d,]+ \/ [\d,]+ rows and files/, 'a progress bar on stderr')
  const entries = await readArchive(archive)
  const manifest = manifestOf(entries)
  t.match(manifest, { format: 'kring-forum-archive', version: 1, schema: /^\d{4}_\d\d_\d\d_\d{4}_/, files: 1 })
  const tables = manifest.tables as Record<string, number>
  t.notOk('posts_fts' in tables || 'posts_fts_data' in tables || 'kysely_migration' in tables, 'no search index, no migration bookkeeping')
  t.match(tables, { users: 3, forums: 3, posts: 6, groups: 1, group_members: 1, post_likes: 1, event_answers: 1, uploads: 1 })
  t.ok(tables.notifications > 0 && tables.settings > 0, 'notifications and settings travel')
  const [uploadEntry] = [...entries.keys()].filter(name => name.startsWith('uploads/'))
  t.same(entries.get(uploadEntry), forum.pdf, 'the uploaded file, byte for byte')
  const posts = entries.get('tables/posts.jsonl')!.toString().trim().split('\n').map(line => JSON.parse(line) as { id: number })
  t.same(posts.map(p => p.id), [...posts.map(p => p.id)].sort((a, b) => a - b), 'rows in key order')

  const target = path.join(dir, 'new-forum')
  const imported = await kring(target, 'import', archive)
  t.equal(imported.code, 0, imported.stderr)
  t.match(imported.stdout, /Imported [\d,]+ rows in \d+ tables and 1 files/)
  t.match(imported.stderr, /posts indexed/, 'the search index is rebuilt, with a progress bar')
  t.comment(`export took ${exported.ms} ms, import ${imported.ms} ms (each a whole CLI process)`)

  const again = path.join(dir, 'again.zip')
  t.equal((await kring(target, 'export', again)).code, 0)
  const second = await readArchive(again)
  t.same([...second.keys()], [...entries.keys()], 'the same entries')
  for (const [name, data] of entries) {
    if (name === 'manifest.json') t.same({ ...manifestOf(second), created_at: null }, { ...manifest, created_at: null }, 'the same manifest but for its date')
    else t.ok(data.equals(second.get(name)!), `${name} is the same`)
  }

  // Not buildTestApp: it would empty the test folder, which holds the moved forum.
  const moved = await buildApp(loadConfig({}, { dataDir: target, demo: false, logLevel: 'silent', passwordCost: 10 }))
  t.teardown(() => moved.close())
  for (const url of urls) t.same(await page(new Visitor(moved), url), before.get(`guest ${url}`), `a guest reads ${url} the same`)
  const anna = await loggedIn(moved, 'anna')
  t.pass('anna logs in with her old password')
  await anna.get('/') // the welcome after logging in, shown once
  for (const url of urls) t.same(await page(anna, url), before.get(`anna ${url}`), `anna reads ${url} the same`)
  const stayed = new Visitor(moved)
  for (const [name, value] of forum.anna.cookies) stayed.cookies.set(name, value)
  t.equal((await stayed.get('/account')).statusCode, 200, 'and her session from before the move still holds')

  const file = await anna.get(`/files/${forum.upload.id}/${encodeURIComponent(forum.upload.name)}`)
  t.equal(file.statusCode, 200)
  t.ok(file.rawPayload.equals(forum.pdf), 'the uploaded file downloads with the same bytes')
  t.equal((await new Visitor(moved).get(`/topic/${forum.secretTopic}`)).statusCode, 404, 'the private forum stays private')
  t.notMatch((await new Visitor(moved).get(`/topic/${forum.topic}`)).body, '06-12345678', 'the hidden post stays hidden')
  const found = await new Visitor(moved).get('/search?q=zeldzaamheidsregeling')
  t.match(found.body, 'Verlof bij de bibliotheek', 'search finds the post')
  t.equal(moved.settings.posts_per_page, 25, 'settings came along')
})

t.test('import refuses a forum that is not empty, a damaged archive, zip-slip and another schema, leaving the target empty', async t => {
  const dir = t.testdir()
  const source = await buildTestApp(t, { dataDir: path.join(dir, 'source'), databaseUrl: null })
  await buildForum(source)
  const archive = path.join(dir, 'forum.zip')
  t.equal((await kring(source.config.dataDir, 'export', archive)).code, 0)

  const full = path.join(dir, 'full')
  t.equal((await kring(full, 'user', 'add', '--username', 'els', '--email', 'els@example.org', '--password', 'een lang wachtwoord')).code, 0)
  const refused = await kring(full, 'import', archive)
  t.not(refused.code, 0)
  t.match(refused.stderr, /already holds a forum \(1 users\)/)
  t.notMatch(refused.stderr, /at .*\.ts:\d+/, 'no stack trace')
  t.match(await emptiness(full), { users: 1, posts: 0 }, 'the forum there is untouched')

  const bytes = await fs.readFile(archive)
  const truncated = path.join(dir, 'truncated.zip')
  await fs.writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)))
  const corrupt = path.join(dir, 'corrupt.zip')
  const flipped = Buffer.from(bytes)
  const pdfAt = flipped.indexOf('%PDF')
  flipped[pdfAt + 200] ^= 0xff
  await fs.writeFile(corrupt, flipped)
  const badLine = await altered(archive, 'bad-line.zip', entries => {
    const lines = entries.get('tables/posts.jsonl')!.toString().split('\n')
    lines[2] = '{"id": 3, "body_md": '
    entries.set('tables/posts.jsonl', Buffer.from(lines.join('\n')))
  })
  const badRow = await altered(archive, 'bad-row.zip', entries => {
    const lines = entries.get('tables/posts.jsonl')!.toString().split('\n')
    lines[1] = JSON.stringify({ ...JSON.parse(lines[1]) as object, topic_id: 999 })
    entries.set('tables/posts.jsonl', Buffer.from(lines.join('\n')))
  })
  const noFile = await altered(archive, 'no-file.zip', entries => {
    for (const name of entries.keys()) if (name.startsWith('uploads/')) entries.delete(name)
    entries.set('manifest.json', Buffer.from(JSON.stringify({ ...manifestOf(entries), files: 0 })))
  })
  const short = await altered(archive, 'short.zip', entries => {
    const lines = entries.get('tables/users.jsonl')!.toString().trim().split('\n')
    entries.set('tables/users.jsonl', Buffer.from(lines.slice(0, -1).join('\n') + '\n'))
  })
  const otherSchema = await altered(archive, 'other-schema.zip', entries => {
    entries.set('manifest.json', Buffer.from(JSON.stringify({ ...manifestOf(entries), schema: '2026_11_22_0003_login_failures' })))
  })
  // yazl will not write a name that climbs out, so the name is changed in the written bytes.
  const slipBytes = await fs.readFile(await altered(archive, 'slip-base.zip', entries => entries.set('xx/evil', Buffer.from('boo'))))
  const slip = path.join(dir, 'slip.zip')
  await fs.writeFile(slip, Buffer.from(slipBytes.toString('latin1').replaceAll('xx/evil', '../evil'), 'latin1'))
  const slipUploads = await fs.readFile(await altered(archive, 'slip-uploads-base.zip', entries => entries.set('uploads/files/xx/evil', Buffer.from('boo'))))
  const slipInUploads = path.join(dir, 'slip-uploads.zip')
  await fs.writeFile(slipInUploads, Buffer.from(slipUploads.toString('latin1').replaceAll('files/xx/evil', 'files/../../x'), 'latin1'))

  const beside = await altered(archive, 'beside.zip', entries => entries.set('uploads/scripts/run.sh', Buffer.from('boo')))
  const longLine = await altered(archive, 'long-line.zip', entries => entries.set('tables/posts.jsonl', Buffer.alloc(17 * 1024 * 1024, 'x')))

  for (const [file, message] of [
    [beside, /outside the folders of uploaded files: refused/],
    [longLine, /longer than 16 MB/],
    [truncated, /not a readable ZIP archive/],
    [corrupt, /damaged/],
    [badLine, /table posts \(tables\/posts\.jsonl\), line 3: not a JSON object/],
    [badRow, /table posts \(tables\/posts\.jsonl, line 2\): refers to a row of topics that is not in the archive/],
    [noFile, /table uploads \(tables\/uploads\.jsonl, line 1\): stored_name names files\/.+, which is not in the archive/],
    [short, /table users \(tables\/users\.jsonl\) holds 2 rows where the manifest says 3/],
    [otherSchema, /made by a Kring at schema 2026_11_22_0003_login_failures, this Kring is at \d{4}_/],
    [slip, /outside its folder.*refused/],
    [slipInUploads, /outside its folder.*refused/]
  ] as Array<[string, RegExp]>) {
    const target = path.join(dir, `target-${path.basename(file, '.zip')}`)
    const run = await kring(target, 'import', file)
    t.not(run.code, 0, `${path.basename(file)} is refused`)
    t.match(run.stderr, message, path.basename(file))
    t.notMatch(run.stderr, /at .*\.ts:\d+/, 'no stack trace')
    t.same(await emptiness(target), EMPTY, `${path.basename(file)} leaves the target empty`)
  }
  t.notOk(existsSync(path.join(dir, 'evil')) || existsSync(path.join(dir, 'x')), 'nothing written outside')
})

t.test('a started but empty forum takes an import; a running one, or a missing file at export, is refused', async t => {
  const dir = t.testdir()
  const source = await buildTestApp(t, { dataDir: path.join(dir, 'source'), databaseUrl: null })
  const { upload } = await buildForum(source)
  const archive = path.join(dir, 'forum.zip')
  t.equal((await kring(source.config.dataDir, 'export', archive)).code, 0)
  const again = await kring(source.config.dataDir, 'export', archive)
  t.match(again.stderr, /exists already/, 'an archive is never overwritten')

  // A first start leaves the forum's cookie secret in settings: the archive's takes its place.
  const started = path.join(dir, 'started')
  const empty = await buildApp(loadConfig({}, { dataDir: started, demo: false, logLevel: 'silent' }))
  await empty.close()
  const imported = await kring(started, 'import', archive)
  t.equal(imported.code, 0, imported.stderr)

  const running = path.join(dir, 'running')
  await fs.mkdir(running)
  await fs.writeFile(path.join(running, 'kring.pid'), String(process.pid))
  const refused = await kring(running, 'import', archive)
  t.match(refused.stderr, /The forum is running/)

  const stored = await source.db.selectFrom('uploads').select('stored_name').where('id', '=', upload.id).executeTakeFirstOrThrow()
  await fs.rm(path.join(uploadsDirectory(source.config), 'files', stored.stored_name))
  const lost = await kring(source.config.dataDir, 'export', path.join(dir, 'lost.zip'))
  t.not(lost.code, 0)
  t.match(lost.stderr, /files\/.+ is named in the database but missing from/)
  t.notOk(existsSync(path.join(dir, 'lost.zip')) || existsSync(path.join(dir, 'lost.zip.partial')), 'no archive, not even part of one')
})

t.test('values that JSON has no word for are tagged, and come back as they were', async t => {
  const blob = Buffer.from([0, 255, 1, 128])
  t.same(encodeValue(blob), { $base64: 'AP8BgA==' })
  t.ok((decodeValue(encodeValue(blob)) as Buffer).equals(blob))
  t.equal(encodeValue(2n ** 53n - 1n), Number.MAX_SAFE_INTEGER)
  t.same(encodeValue(2n ** 63n - 1n), { $integer: '9223372036854775807' })
  t.equal(decodeValue({ $integer: '9223372036854775807' }), 2n ** 63n - 1n)
  t.equal(decodeValue('tekst'), 'tekst')
  t.throws(() => decodeValue({ $base64: 'x', extra: 1 }), /not text, a number, null or an encoded blob/)
  t.throws(() => decodeValue([1]), /not text/)
})
