// `npm start` runs this first: it compiles only when a source file is newer than the last
// build, so starting an unchanged install costs no compile (npm ci already built it).
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const stamp = path.join(root, 'dist', '.built')

function newest (dir) {
  let time = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    time = Math.max(time, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs)
  }
  return time
}

const sources = Math.max(newest(path.join(root, 'src')), newest(path.join(root, 'migrations')), statSync(path.join(root, 'tsconfig.json')).mtimeMs)
if (!existsSync(stamp) || statSync(stamp).mtimeMs < sources) {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' })
}
