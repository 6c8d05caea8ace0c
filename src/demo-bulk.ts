import type SQLite from 'better-sqlite3'

/**
 * `kring demo --posts N [--topics M]`: a large, realistic Dutch forum, made quickly in big
 * transactions straight through SQLite, for trying Kring at size and for the benchmarks. The
 * search index follows through its triggers; counts are set at the end in a few statements.
 */

const WORDS = ('werkgever werknemer verlof thuiswerken vergoeding cao salaris schaal functie vacature sollicitatie ' +
  'verzuim reintegratie poortwachter bedrijfsarts arbodienst rooster dienst zondag feestdag pensioen deeltijd ' +
  'bibliotheek museum theater archief collectie vrijwilliger stagiair opleiding ontwikkeling loopbaan mobiliteit ' +
  'gesprek beoordeling functioneringsgesprek teamleider directeur ondernemingsraad instemming advies reorganisatie ' +
  'contract tijdelijk vast proeftijd ontslag transitievergoeding ziekte herstel werkdruk vitaliteit inclusie ' +
  'diversiteit werving selectie onboarding regeling budget declaratie reiskosten kilometer fiets laptop beleid ' +
  'privacy persoonsgegevens dossier protocol evaluatie innovatie samenwerking regio provincie gemeente subsidie').split(' ')
const GLUE = 'de het een en van in op voor met bij over dat dit wij jullie ons ook niet wel nog al maar of als'.split(' ')

function sentence (random: () => number): string {
  const length = 6 + Math.floor(random() * 12)
  const parts: string[] = []
  for (let i = 0; i < length; i++) parts.push(random() < 0.45 ? WORDS[Math.floor(random() * WORDS.length)] : GLUE[Math.floor(random() * GLUE.length)])
  const text = parts.join(' ')
  return text[0].toUpperCase() + text.slice(1) + (random() < 0.15 ? '?' : '.')
}

/** mulberry32: small, fast and well spread (a plain LCG repeated whole posts for some authors). */
function seeded (seed: number): () => number {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface BulkDemo { posts: number, topics: number, members: number, progress: (done: number, total: number) => void }

export function fillBulkDemo (sqlite: SQLite.Database, options: BulkDemo, passwordHash: string): { forumSlugs: string[], firstTopicSlug: string } {
  const random = seeded(42)
  const now = Date.now()
  const start = now - 365 * 24 * 3600_000
  const step = (now - start) / options.posts
  const forums = ['Algemeen', 'Arbeidsvoorwaarden en cao', 'Verzuim en vitaliteit', 'Werving en loopbaan', 'Regio Noord']
  const forumIds = forums.map((name, i) => {
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-')
    const found = sqlite.prepare('select id from forums where slug = ?').get(slug) as { id: number } | undefined
    return found?.id ?? Number(sqlite.prepare("insert into forums (slug, name, description, position, kind) values (?, ?, ?, ?, 'normal')").run(slug, name, `Over ${name.toLowerCase()}`, i + 1).lastInsertRowid)
  })
  const firstUser = Number((sqlite.prepare('select coalesce(max(id), 0) as n from users').get() as { n: number }).n) + 1
  const insertUser = sqlite.prepare(`insert into users (username, username_key, email, email_key, password_hash, role, created_at, email_confirmed_at)
    values (?, ?, ?, ?, ?, 'lid', ?, ?)`)
  sqlite.transaction(() => {
    for (let i = 0; i < options.members; i++) {
      const name = `lid${firstUser + i}`
      insertUser.run(name, name, `${name}@example.org`, `${name}@example.org`, passwordHash, start - 1000, start - 1000)
    }
  })()
  const insertTopic = sqlite.prepare(`insert into topics (forum_id, slug, title, author_id, created_at, last_post_at) values (?, ?, ?, ?, ?, ?)`)
  const insertPost = sqlite.prepare(`insert into posts (topic_id, author_id, position, visible_position, body_md, body_html, created_at, fanned_out)
    values (?, ?, ?, ?, ?, ?, ?, 1)`)
  const topicIds: number[] = []
  const positions: number[] = []
  let firstTopicSlug = ''
  const batch = 20_000
  for (let done = 0; done < options.posts;) {
    const until = Math.min(options.posts, done + batch)
    sqlite.transaction(() => {
      for (let i = done; i < until; i++) {
        const at = Math.round(start + i * step)
        const author = firstUser + Math.floor(random() * options.members)
        const body = Array.from({ length: 1 + Math.floor(random() * 4) }, () => sentence(random)).join(' ')
        // The first posts open the topics; after that a post goes to a topic, the recent ones more often.
        let slot: number
        if (topicIds.length < options.topics && (i < options.topics || random() < options.topics / options.posts)) {
          const title = sentence(random).replace(/[.?]$/, '').slice(0, 80)
          const slug = `${title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60)}-${topicIds.length + 1}`
          if (firstTopicSlug === '') firstTopicSlug = slug
          topicIds.push(Number(insertTopic.run(forumIds[topicIds.length % forumIds.length], slug, title, author, at, at).lastInsertRowid))
          positions.push(0)
          slot = topicIds.length - 1
        } else {
          slot = topicIds.length - 1 - Math.floor(Math.pow(random(), 3) * topicIds.length)
        }
        positions[slot]++
        insertPost.run(topicIds[slot], author, positions[slot], positions[slot], body, `<p>${body}</p>`, at)
      }
    })()
    done = until
    options.progress(done, options.posts)
  }
  setCountsFromRows(sqlite, topicIds[0] ?? 0, firstUser)
  return { forumSlugs: forums.map(name => name.toLowerCase().replace(/[^a-z0-9]+/g, '-')), firstTopicSlug }
}

/** Counts and last posts of bulk-made rows (topics from `firstTopicId`, members from `firstUserId`), set once from the rows. */
export function setCountsFromRows (sqlite: SQLite.Database, firstTopicId: number, firstUserId: number): void {
  sqlite.exec(`update topics set post_count = (select count(*) from posts where topic_id = topics.id),
      visible_post_count = (select count(*) from posts where topic_id = topics.id),
      reply_count = (select count(*) - 1 from posts where topic_id = topics.id),
      last_post_id = (select max(id) from posts where topic_id = topics.id),
      last_post_at = (select max(created_at) from posts where topic_id = topics.id)
    where id >= ${firstTopicId}`)
  sqlite.exec(`update forums set topic_count = (select count(*) from topics where forum_id = forums.id and hidden = 0 and queued = 0),
      post_count = (select coalesce(sum(visible_post_count), 0) from topics where forum_id = forums.id and hidden = 0 and queued = 0),
      last_post_id = (select last_post_id from topics where forum_id = forums.id order by last_post_at desc limit 1)`)
  sqlite.exec(`update users set post_count = (select count(*) from posts where author_id = users.id) where id >= ${firstUserId}`)
}
