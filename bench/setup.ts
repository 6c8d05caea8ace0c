// The bench's forum, made straight through SQLite on a fresh database (see bench/run.ts):
// a 12-post topic, a 10,000-post topic (1,000 full pages), a forum of 50,000 topics, a topic
// to reply to, 8 posting members and a reader, and no posting limits.
import { openDatabase } from '../src/db/index.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { hashPassword } from '../src/lib/passwords.js'
import { setCountsFromRows } from '../src/demo-bulk.js'
import { databaseFile } from '../src/config.js'

export const BENCH_PASSWORD = 'bench password for kring'
export const POSTERS = Array.from({ length: 8 }, (_, i) => `schrijver${i + 1}`)
export const SLUGS = { topic: 'twaalf-berichten-over-verlof', long: 'tienduizend-berichten', forum: 'algemeen', big: 'groot', replies: 'reacties' }

const PARAGRAPHS = [
  'Wij hebben vorig jaar de regeling voor **thuiswerken** herzien. Medewerkers krijgen nu een vaste vergoeding per dag, en de ondernemingsraad heeft ingestemd met het beleid.',
  'Bij ons loopt het via de cao: het budget voor opleiding is per persoon vastgelegd, en de teamleider bespreekt het in het functioneringsgesprek. Zie ook [de handreiking](https://example.org/handreiking).',
  'Een vraag aan de anderen: hoe gaan jullie om met verzuim tijdens een reorganisatie? De bedrijfsarts adviseert ons om vaker contact te houden, maar dat kost tijd.',
  'Goede tip! Wij gebruiken een eenvoudig protocol:\n\n1. eerste ziektedag melden\n2. binnen een week een gesprek\n3. na zes weken een plan van aanpak',
  'Het archief en de collectie vragen andere roosters dan de publieksdiensten. Wij werken met een vaste kern en vrijwilligers op zondag en feestdagen.'
]

const bodyOf = (i: number): string => PARAGRAPHS[i % PARAGRAPHS.length] + '\n\n' + PARAGRAPHS[(i + 2) % PARAGRAPHS.length]
const htmlOf = (markdown: string): string => markdown.split('\n\n').map(part => `<p>${part.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')}</p>`).join('\n')

export async function makeBenchForum (dataDir: string): Promise<void> {
  const { db, sqlite } = openDatabase(databaseFile({ dataDir }))
  await migrateToLatest(db)
  const hash = await hashPassword(BENCH_PASSWORD, 10)
  const now = Date.now()
  const day = 24 * 3600_000
  sqlite.transaction(() => {
    const user = sqlite.prepare(`insert into users (username, username_key, email, email_key, password_hash, role, created_at, email_confirmed_at)
      values (?, ?, ?, ?, ?, 'lid', ?, ?)`)
    for (const name of [...POSTERS, 'lezer']) user.run(name, name, `${name}@example.org`, `${name}@example.org`, hash, now - 400 * day, now - 400 * day)
    const forum = sqlite.prepare("insert into forums (slug, name, description, position, kind) values (?, ?, ?, ?, 'normal')")
    const general = Number(forum.run(SLUGS.forum, 'Algemeen', 'Alles wat niet elders past', 1).lastInsertRowid)
    const big = Number(forum.run(SLUGS.big, 'Groot archief', 'Vijftigduizend onderwerpen', 2).lastInsertRowid)
    const topic = sqlite.prepare('insert into topics (forum_id, slug, title, author_id, created_at, last_post_at) values (?, ?, ?, ?, ?, ?)')
    const post = sqlite.prepare(`insert into posts (topic_id, author_id, position, visible_position, body_md, body_html, created_at, fanned_out)
      values (?, ?, ?, ?, ?, ?, ?, 1)`)
    const firstTopic = Number(topic.run(general, SLUGS.topic, 'Twaalf berichten over verlof en thuiswerken', 1, now - 30 * day, now).lastInsertRowid)
    for (let i = 1; i <= 12; i++) post.run(firstTopic, 1 + (i % 8), i, i, bodyOf(i), htmlOf(bodyOf(i)), now - 30 * day + i * 3600_000)
    const long = Number(topic.run(general, SLUGS.long, 'Tienduizend berichten in één onderwerp', 2, now - 300 * day, now).lastInsertRowid)
    for (let i = 1; i <= 10_000; i++) post.run(long, 1 + (i % 8), i, i, bodyOf(i), htmlOf(bodyOf(i)), now - 300 * day + i * 60_000)
    const replies = Number(topic.run(general, SLUGS.replies, 'Hier reageren de schrijvers', 3, now - day, now - day).lastInsertRowid)
    post.run(replies, 3, 1, 1, bodyOf(0), htmlOf(bodyOf(0)), now - day)
    for (let i = 1; i <= 50_000; i++) {
      const id = Number(topic.run(big, `onderwerp-${i}`, `Onderwerp nummer ${i} over de cao`, 1 + (i % 8), now - 200 * day + i * 60_000, now).lastInsertRowid)
      post.run(id, 1 + (i % 8), 1, 1, bodyOf(i), htmlOf(bodyOf(i)), now - 200 * day + i * 60_000)
    }
    setCountsFromRows(sqlite, firstTopic, 1)
    const setting = sqlite.prepare('insert into settings (key, value) values (?, ?) on conflict (key) do update set value = excluded.value')
    for (const key of ['limit_lid_seconds', 'limit_bijdrager_seconds', 'limit_lid_first_day_topics']) setting.run(key, '0')
  })()
  await db.destroy()
}
