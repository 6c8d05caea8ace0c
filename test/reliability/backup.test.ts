import t from 'tap'
import { execFile } from 'node:child_process'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { projectPath } from '../../src/lib/paths.js'
import { HttpMember, prepareData, startServer } from './server-process.js'

function backup (dataDir: string, file: string): Promise<{ code: number, stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, ['--import', 'tsx', projectPath('src', 'cli.ts'), 'backup', file], {
      cwd: projectPath(), env: { ...process.env, DATA_DIR: dataDir }
    }, (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }))
  })
}

t.test('kring backup during write load: a sound copy with every post acknowledged before it began', async t => {
  const dataDir = t.testdir()
  const { topicSlug, usernames } = await prepareData(dataDir, 4)
  const server = await startServer(dataDir)
  t.teardown(async () => { server.child.kill('SIGTERM'); await server.exited })
  const members = usernames.map((name, i) => new HttpMember(server.baseUrl, name, `127.0.3.${i + 1}`))
  for (const member of members) await member.login()

  const acknowledged: string[] = []
  let stop = false
  const loops = members.map((member, i) => member.replyUntil(topicSlug, `m${i}`, () => stop, acknowledged))
  await new Promise(resolve => setTimeout(resolve, 1000))
  const beforeBackup = [...acknowledged]
  const file = path.join(dataDir, 'copy.sqlite')
  const result = await backup(dataDir, file)
  const duringBackup = acknowledged.length - beforeBackup.length
  stop = true
  await Promise.all(loops)

  t.equal(result.code, 0, result.stderr)
  t.ok(beforeBackup.length > 0, `posts acknowledged before the backup began: ${beforeBackup.length}`)
  t.comment(`acknowledged while the backup ran: ${duringBackup}`)
  const copy = new SQLite(file, { readonly: true })
  t.teardown(() => copy.close())
  t.equal(copy.pragma('integrity_check', { simple: true }), 'ok', 'the copy passes integrity_check')
  t.same(copy.pragma('foreign_key_check'), [], 'and foreign_key_check')
  const inCopy = new Set((copy.prepare('select body_md from posts').all() as Array<{ body_md: string }>).map(r => r.body_md))
  t.same(beforeBackup.filter(body => !inCopy.has(body)), [], 'every post acknowledged before the backup is in the copy')
})
