// Search latency on a big forum: p50/p95 per kind of query through GET /search, and the index size.
//   npx kring demo --posts 1000000   (with DATA_DIR set), then
//   DATA_DIR=... node --import tsx bench/search.ts [runs]
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'

const runs = Number(process.argv[2] ?? 30)
const app = await buildApp(loadConfig(process.env, { demo: false, logLevel: 'silent' }))
const author = (app.sqlite.prepare('select username from users order by post_count desc limit 1 offset 100').get() as { username: string }).username
const halfYearAgo = new Date(Date.now() - 182 * 86400_000).toISOString().slice(0, 10)
const queries: Array<[string, string]> = [
  ['one word', 'verlof'],
  ['two words', 'verlof werkgever'],
  ['phrase', '"reiskosten declaratie"'],
  ['prefix', 'pensi*'],
  ['short prefix', 'ver*'],
  ['filtered (author)', `verlof @${author}`],
  ['filtered (date)', `verlof voor:${halfYearAgo}`],
  ['exclusion', 'verlof -werkgever'],
  ['filtered (forum)', 'verzuim in:algemeen'],
  ['filtered (title)', 'rooster in:titel'],
  ['newest first', 'vergoeding&order=latest'],
  ['rare words', 'transitievergoeding proeftijd'],
  ['no match', 'zeldzaamheid']
]
const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]
console.log('| query | results | p50 ms | p95 ms |')
console.log('|---|---|---|---|')
for (const [name, q] of queries) {
  const url = `/search?q=${encodeURIComponent(q).replace('%26order%3Dlatest', '&order=latest')}`
  await app.inject(url)
  const times: number[] = []
  let count = ''
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    const response = await app.inject(url)
    times.push(performance.now() - started)
    count = /class="search-count">([^·<]*)/.exec(response.body)?.[1]?.trim() ?? '0'
  }
  console.log(`| ${name}: \`${q.replace('&order=latest', '')}\` | ${count} | ${percentile(times, 0.5).toFixed(1)} | ${percentile(times, 0.95).toFixed(1)} |`)
}
const size = (name: string): number => Number((app.sqlite.prepare(`select coalesce(sum(pgsize), 0) as n from dbstat where name like ?`).get(name) as { n: number }).n)
const index = size('posts_fts%')
const text = Number((app.sqlite.prepare('select sum(length(body_md)) + (select sum(length(title)) from topics) as n from posts').get() as { n: number }).n)
const posts = Number((app.sqlite.prepare('select count(*) as n from posts').get() as { n: number }).n)
console.log(`\n${posts.toLocaleString('en')} posts; index ${(index / 1048576).toFixed(1)} MiB for ${(text / 1048576).toFixed(1)} MiB of text (${Math.round(100 * index / text)}%)`)
await app.close()
