import { randomBytes } from 'node:crypto'
import type { Config } from './config.js'
import type { DB } from './db/index.js'
import type { Role, User } from './db/schema.js'
import { hashPassword } from './lib/passwords.js'
import { createForum } from './models/forums.js'
import { createReply, renderPostBody } from './models/posts.js'
import { createTopic } from './models/topics.js'
import { createUser } from './models/users.js'

const HOUR = 60 * 60 * 1000
const DAY = 24 * HOUR

const FORUMS: Array<{ name: string, slug: string, parentSlug?: string, description: string }> = [
  { name: 'Algemeen', slug: 'algemeen', description: 'Voorstellen, vragen en alles wat verder nergens past.' },
  { name: 'Arbeidsvoorwaarden en cao', slug: 'arbeidsvoorwaarden-en-cao', description: 'Cao Openbare Bibliotheken, cao Gemeenten, vergoedingen, verlof en roosters.' },
  { name: 'Vacatures en loopbaan', slug: 'vacatures-en-loopbaan', description: 'Werving, vacatureteksten, mobiliteit en ontwikkeling van medewerkers.' },
  { name: 'Regio Noord', slug: 'regio-noord', description: 'HR in bibliotheken, musea en theaters in Friesland, Groningen en Drenthe.' },
  { name: 'Groningen en Drenthe', slug: 'groningen-en-drenthe', parentSlug: 'regio-noord', description: 'Bijeenkomsten en samenwerking tussen instellingen in Groningen en Drenthe.' }
]

// `joined` is days ago; everyone joined before the first post (about 30 days ago).
const USERS: Array<{ username: string, role: Role, joined: number }> = [
  { username: 'marieke.bos', role: 'beheerder', joined: 412 },
  { username: 'jeroen.visser', role: 'moderator', joined: 377 },
  { username: 'sanne.dejong', role: 'bijdrager', joined: 301 },
  { username: 'pieter_mulder', role: 'bijdrager', joined: 254 },
  { username: 'annelies.vandijk', role: 'lid', joined: 188 },
  { username: 'kees.hoekstra', role: 'lid', joined: 143 },
  { username: 'yasmina.b', role: 'lid', joined: 97 },
  { username: 'lotte-smit', role: 'lid', joined: 71 },
  { username: 'bram.dekker', role: 'lid', joined: 52 }
]

/** A post is its author followed by its paragraphs of Markdown. */
type PostData = [author: string, ...paragraphs: string[]]

const TOPICS: Array<{ forum: string, title: string, posts: PostData[] }> = [
  {
    forum: 'algemeen',
    title: 'Welkom bij Kring: stel je hier voor',
    posts: [
      ['marieke.bos', 'Welkom op Kring, het forum voor HR-professionals in cultuur en bibliotheken! Een paar afspraken:', '- Stel je even voor in dit onderwerp.\n- Deel kennis, maar geen persoonsgegevens van medewerkers.\n- Meld een bericht als iets niet klopt; de moderatoren kijken mee.', 'Vragen over het forum? Tik gerust @jeroen.visser of mij aan.'],
      ['kees.hoekstra', 'Hoi allemaal! Ik ben Kees, HR-adviseur bij een bibliotheek in Drenthe. Vooral bezig met verzuim en roosters.'],
      ['sanne.dejong', 'Leuk dat dit er is. Ik werk als P&O-adviseur bij een museum in Utrecht en volg de nieuwsbrief van de [Museumvereniging](https://www.museumvereniging.nl) op de voet.'],
      ['jeroen.visser', '> Meld een bericht als iets niet klopt', 'Precies. En welkom @kees.hoekstra, fijn dat er iemand uit het noorden bij is.']
    ]
  },
  {
    forum: 'arbeidsvoorwaarden-en-cao',
    title: 'Ervaringen met thuiswerkvergoeding en één-op-één gesprekken',
    posts: [
      ['annelies.vandijk', 'Wij willen de thuiswerkvergoeding opnieuw regelen en tegelijk vaker één-op-één gesprekken voeren met medewerkers die veel thuis werken. Hoe pakken jullie dat aan?', 'Ik ben vooral benieuwd naar:\n1. de hoogte van de vergoeding;\n2. hoe vaak jullie zo\'n gesprek plannen.'],
      ['pieter_mulder', 'De fiscale ruimte staat op [de site van de Belastingdienst](https://www.belastingdienst.nl). Wij volgen het bedrag uit de [cao Gemeenten](https://www.cao-gemeenten.nl), dat is makkelijk uit te leggen.'],
      ['jeroen.visser', '> hoe vaak jullie zo\'n gesprek plannen', 'Bij ons eens per zes weken, kort en zonder formulier. Het gaat om contact, niet om controle.'],
      ['lotte-smit', 'Eens met @pieter_mulder. Wij hebben daarnaast een eenmalige bijdrage voor een goede bureaustoel; zie ook het [Arboportaal](https://www.arboportaal.nl).'],
      ['annelies.vandijk', 'Dank jullie wel, dit helpt ons verder!']
    ]
  },
  {
    forum: 'groningen-en-drenthe',
    title: 'Netwerkbijeenkomst HR cultuur in Groningen',
    posts: [
      ['kees.hoekstra', 'Wie heeft er zin in een netwerkmiddag in Groningen? Voorstel:', '- thema: vergrijzing van het personeelsbestand;\n- locatie: de Forum-bibliotheek;\n- na afloop een borrel.', 'Laat even weten of je komt.'],
      ['bram.dekker', 'Ik ben erbij! Goed thema ook, bij ons gaat de komende vijf jaar een kwart van het team met pensioen.'],
      ['marieke.bos', 'Mooi initiatief. Ik zet het ook in de agenda van Regio Noord. Voor cijfers over de arbeidsmarkt kun je kijken op [werk.nl](https://www.werk.nl).']
    ]
  },
  {
    forum: 'vacatures-en-loopbaan',
    title: 'Tips voor een vacaturetekst voor bibliotheekmedewerkers',
    posts: [
      ['lotte-smit', 'We krijgen weinig reacties op onze vacature voor bibliotheekmedewerker. Wie wil met me meekijken naar de tekst?'],
      ['sanne.dejong', 'Een paar dingen die bij ons werkten:', '- begin met wat iemand gaat dóen, niet met de organisatie;\n- noem het salaris en de schaal;\n- schrap eisen die eigenlijk wensen zijn.'],
      ['yasmina.b', '> noem het salaris en de schaal', 'Dit! Sinds wij dat doen, krijgen we twee keer zoveel sollicitaties. @lotte-smit, stuur je tekst gerust door.']
    ]
  },
  {
    forum: 'regio-noord',
    title: 'Samen opleiden in het noorden?',
    posts: [
      ['bram.dekker', 'Zijn er instellingen die samen een traineeship willen opzetten? Alleen zijn we net te klein.'],
      ['jeroen.visser', 'Goed idee. Kijk ook naar de subsidieregelingen op [rijksoverheid.nl](https://www.rijksoverheid.nl/onderwerpen/leven-lang-ontwikkelen); daar past dit mogelijk in.']
    ]
  }
]

// The long topic is built from fragments so that it runs over three pages: mostly a new point per
// reply, and every third reply quotes the point before it and reacts to it.
const OPENERS = ['Herkenbaar.', 'Goede vraag!', '', 'Wij liepen hier in de bibliotheek ook tegenaan.', 'Vanuit het museum een aanvulling.', '']
const POINTS = [
  'Wij houden sinds vorig jaar elke maand een kort werkdrukgesprek per team, en dat helpt om signalen eerder op te pikken.',
  'Wat bij ons werkte: de roosters een kwartaal vooruit vastleggen, zodat mensen hun privéleven kunnen plannen.',
  'Onze bedrijfsarts adviseerde om bij kort frequent verzuim eerst over de werkplek te praten, niet over de afwezigheid.',
  'Het scheelt enorm als leidinggevenden zelf ook echt vrij nemen; voorbeeldgedrag werkt beter dan elk beleidsstuk.',
  'We hebben de openingstijden op rustige avonden ingekort en die uren gebruikt voor projecten. Het team was er blij mee.',
  'Let op de termijnen uit de [Wet verbetering poortwachter](https://www.rijksoverheid.nl/onderwerpen/ziekteverzuim); die lopen gewoon door.',
  'Een vertrouwenspersoon van buiten de organisatie verlaagt de drempel. Het aantal meldingen steeg daarna, en dat zien we als winst.',
  'Aan de balie draait bij ons niemand meer dan drie uur achter elkaar. Klinkt klein, maar de klachten over vermoeidheid zijn flink gedaald.',
  'Wij doen één keer per jaar de [werkdrukscan van het Arboportaal](https://www.arboportaal.nl/onderwerpen/werkdruk), zodat we kunnen vergelijken.',
  'Onze OR stelde zelf voor om vergaderingen op vrijdagmiddag te schrappen. Dat kwam beter aan dan wanneer wij het hadden bedacht.',
  'Wat ik zou vermijden: een verzuimprotocol dat alleen over controle gaat. Mensen voelen dat direct.',
  'We hebben een vitaliteitsbudget van 300 euro per medewerker per jaar. Vooral sportschool en fiets worden gebruikt.',
  'Na een reorganisatie piekte bij ons het verzuim. Achteraf hadden we de teams eerder moeten betrekken bij de nieuwe taakverdeling.',
  'Vrijwilligers in onze vestigingen helpen nu bij het uitleenwerk, zodat vaste medewerkers meer tijd hebben voor programma\'s.',
  'Bij ons belt de leidinggevende op de eerste ziektedag zelf, niet de verzuimcoördinator. Dat voelt persoonlijker.',
  'Kijk ook naar de [afspraken over duurzame inzetbaarheid](https://www.cao-gemeenten.nl) in de cao; daar zit vaak meer ruimte in dan je denkt.',
  'Wij zijn gestopt met het verplicht scannen van alle retouren aan het eind van de dag. Dat scheelde veel stress bij sluitingstijd.'
]
const REACTIONS = [
  'Dit gaan wij ook proberen. Hoe reageerde jullie OR op het vastleggen van de roosters?',
  'Zo waar. Bij ons veranderde er pas iets toen de directeur zelf geen mails meer stuurde in het weekend.',
  'Goede aanvulling. Wij kregen een paar jaar geleden een loonsanctie van het UWV, dus let hier echt op.',
  'Mooi! Hoe lossen jullie dat op in kleine vestigingen met maar twee mensen?',
  'Herkenbaar. Maatregelen die uit het team zelf komen, houden het langst stand.',
  'Interessant. Valt dat budget bij jullie onder de werkkostenregeling?',
  'Let wel op dat vrijwilligers geen structureel betaald werk overnemen; dat kan gedoe geven met de vakbond.',
  'Klopt. Ik neem dit mee naar ons volgende MT-overleg.'
]
const CLOSERS = ['', 'Succes ermee!', '', 'Ben benieuwd wat anderen ervan vinden.', '', '@yasmina.b, laat je weten wat jullie uiteindelijk kiezen?']

function longTopicReplies (count: number): PostData[] {
  const authors = USERS.map(u => u.username)
  const replies: PostData[] = []
  let points = 0
  let reactions = 0
  for (let i = 0; i < count; i++) {
    const author = authors[(i * 4 + 1) % authors.length]
    if (i % 3 === 2) {
      replies.push([author, `> ${POINTS[points - 1]}`, REACTIONS[reactions++ % REACTIONS.length]])
      continue
    }
    const opener = OPENERS[points % OPENERS.length]
    const closer = author === 'yasmina.b' ? '' : CLOSERS[points % CLOSERS.length]
    replies.push([author, `${opener} ${POINTS[points++ % POINTS.length]}`.trim(), ...(closer ? [closer] : [])])
  }
  return replies
}

TOPICS.splice(2, 0, {
  forum: 'algemeen',
  title: 'Werkdruk en verzuim: wat werkt bij jullie?',
  posts: [
    ['yasmina.b', 'In onze bibliotheek loopt het verzuim al een jaar op, vooral onder baliemedewerkers. Wat hebben jullie geprobeerd, en wat werkte écht?', 'Wij overwegen nu:\n- een preventief spreekuur bij de bedrijfsarts;\n- minder wisselende diensten.'],
    ...longTopicReplies(25)
  ]
})

/** Fills a first, empty database with a small Dutch forum; returns the beheerder's login, or null if there was anything already. */
export async function seedDemoContent (db: DB, config: Pick<Config, 'passwordCost'>): Promise<{ username: string, password: string } | null> {
  const anyUser = await db.selectFrom('users').select('id').limit(1).executeTakeFirst()
  const anyForum = await db.selectFrom('forums').select('id').limit(1).executeTakeFirst()
  if (anyUser || anyForum) return null

  const start = Date.now()
  // Each demo account has a password of its own: the one printed opens the beheerder's account only.
  const passwords = USERS.map(() => randomBytes(12).toString('base64url'))
  const hashes = await Promise.all(passwords.map(password => hashPassword(password, config.passwordCost)))

  const forums = new Map<string, number>()
  for (const forum of FORUMS) forums.set(forum.slug, (await createForum(db, forum)).id)

  const users = new Map<string, User>()
  for (const [i, { username, role, joined }] of USERS.entries()) {
    users.set(username, await createUser(db, { username, email: `${username}@example.org`, passwordHash: hashes[i], role, now: start - joined * DAY }))
  }

  // Posts are spread over the last month with irregular gaps, each strictly later than the one before.
  let now = start - 30 * DAY
  let step = 0
  const nextTime = (): number => {
    now += [3, 7, 1, 18, 5, 2, 11][step % 7] * HOUR + (step * 13 % 50) * 60 * 1000
    step++
    return now
  }

  for (const { forum, title, posts } of TOPICS) {
    now += DAY
    let topicId = 0
    for (const [username, ...paragraphs] of posts) {
      const author = users.get(username)
      if (!author) throw new Error(`Demo post by unknown member "${username}"`)
      const bodyMd = paragraphs.join('\n\n')
      const bodyHtml = await renderPostBody(db, bodyMd, author)
      if (topicId === 0) {
        const forumId = forums.get(forum)
        if (forumId === undefined) throw new Error(`Demo topic in unknown forum "${forum}"`)
        topicId = (await createTopic(db, { forumId, authorId: author.id, title, bodyMd, bodyHtml, now: nextTime() })).topic.id
      } else {
        await createReply(db, { topicId, authorId: author.id, bodyMd, bodyHtml, now: nextTime() })
      }
    }
  }

  const beheerder = USERS.findIndex(u => u.role === 'beheerder')
  return { username: USERS[beheerder].username, password: passwords[beheerder] }
}
