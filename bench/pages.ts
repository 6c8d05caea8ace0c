import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
// Guest pages per second, in-process (app.inject), on the demo forum; pass another checkout's path to compare.
//   node --import tsx bench/pages.ts [checkout]
const root = process.argv[2] ?? path.resolve(import.meta.dirname, '..')
const { buildApp } = await import(path.join(root, 'src/app.ts'))
const { loadConfig } = await import(path.join(root, 'src/config.ts'))
const { seedDemoContent } = await import(path.join(root, 'src/demo.ts'))
const app = await buildApp(loadConfig({}, { dataDir: mkdtempSync(path.join(tmpdir(), 'pb-')), demo: false, logLevel: 'silent', passwordCost: 10 }))
await seedDemoContent(app.db, { passwordCost: 10 })
const urls = ['/', '/forum/algemeen', '/topic/welkom-bij-kring-stel-je-hier-voor']
for (const url of urls) {
  for (let i = 0; i < 200; i++) await app.inject(url)
  const t0 = performance.now()
  const n = 4000
  for (let i = 0; i < n; i++) await app.inject(url)
  console.log(url.padEnd(45), (n / ((performance.now() - t0) / 1000)).toFixed(0), 'req/s (guest, in-process)')
}
await app.close()
