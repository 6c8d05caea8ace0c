import { readFileSync } from 'node:fs'
import t from 'tap'
import { translator } from '../../src/lib/i18n.js'
import { projectPath } from '../../src/lib/paths.js'

const NOW = Date.UTC(2026, 0, 15, 12, 0) // a fixed moment, 13:00 in Amsterdam
const DAY = 86400_000

t.test('plural forms pick the _one or _other message', async t => {
  const nl = translator('nl')
  t.equal(nl.t('pagination.posts', { count: 1, first: 11, last: 11, total: 11 }),
    '1 bericht aan het bekijken - 11 tot 11 (van in totaal 11)', 'one post is "bericht"')
  t.equal(nl.t('pagination.posts', { count: 10, first: 1, last: 10, total: 12 }),
    '10 berichten aan het bekijken - 1 tot 10 (van in totaal 12)', 'ten posts are "berichten"')
  t.equal(nl.t('pagination.posts', { count: 0, first: 0, last: 0, total: 0 }),
    '0 berichten aan het bekijken - 0 tot 0 (van in totaal 0)', 'zero takes the plural in Dutch')

  const en = translator('en')
  t.equal(en.t('pagination.posts', { count: 1, first: 11, last: 11, total: 11 }),
    'Viewing 1 post - 11 through 11 (of 11 total)', 'English singular')
  t.equal(en.t('pagination.posts', { count: 10, first: 1, last: 10, total: 12 }),
    'Viewing 10 posts - 1 through 10 (of 12 total)', 'English plural')

  t.equal(translator('sv').t('pagination.posts', { count: 2, first: 11, last: 12, total: 12 }),
    'Visar 2 inlägg - 11 till 12 (av totalt 12)', 'Swedish')
})

t.test('numbers are formatted for the language, also inside messages', async t => {
  const nl = translator('nl')
  t.equal(nl.number(1996), '1.996', 'Dutch thousands separator is a dot')
  t.equal(nl.number(2001), '2.001')
  t.equal(nl.number(1234567), '1.234.567')
  t.equal(nl.number(999), '999', 'no separator below a thousand')
  t.equal(translator('en').number(1996), '1,996', 'English uses a comma')
  t.equal(translator('sv').number(1996), '1\u00a0996', 'Swedish uses a non-breaking space')
  t.equal(nl.t('pagination.posts', { count: 1000, first: 1001, last: 2000, total: 2001 }),
    '1.000 berichten aan het bekijken - 1.001 tot 2.000 (van in totaal 2.001)', 'placeholders get formatted numbers')
})

t.test('placeholders and missing keys', async t => {
  const nl = translator('nl')
  t.equal(nl.t('topic.new_in', { forum: 'Algemeen' }), 'Nieuw onderwerp in Algemeen', 'a string placeholder is filled in')
  t.equal(nl.t('topic.new_in'), 'Nieuw onderwerp in {forum}', 'an unfilled placeholder stays visible')
  t.equal(nl.t('topic.locked_notice'), 'Dit onderwerp is gesloten voor nieuwe reacties.')
  t.equal(nl.t('no.such.key'), 'no.such.key', 'an unknown key shows the key rather than nothing')
})

t.test('relative dates', async t => {
  const nl = translator('nl')
  t.equal(nl.relative(Date.now() - 3 * DAY), '3 dagen geleden', 'three days ago, measured from now')
  t.equal(nl.relative(NOW - 3 * DAY, NOW), '3 dagen geleden')
  t.equal(nl.relative(NOW - DAY, NOW), 'gisteren')
  t.equal(nl.relative(NOW - 2 * 3600_000, NOW), '2 uur geleden')
  t.equal(nl.relative(NOW - 5 * 60_000, NOW), '5 minuten geleden')
  t.equal(nl.relative(NOW - 30_000, NOW), 'zojuist', 'under a minute is "just now"')
  t.equal(nl.relative(NOW - 14 * DAY, NOW), '2 weken geleden')
  t.equal(nl.relative(NOW - 60 * DAY, NOW), '2 maanden geleden')
  t.equal(translator('en').relative(NOW - 3 * DAY, NOW), '3 days ago')
  t.equal(translator('en').relative(NOW - 30_000, NOW), 'just now')
  t.equal(translator('sv').relative(NOW - 3 * DAY, NOW), 'för 3 dagar sedan')
})

t.test('absolute dates are in Dutch and Amsterdam time', async t => {
  t.equal(translator('nl').date(NOW), '15 januari 2026 om 13:00')
  t.equal(translator('en').date(NOW), '15 January 2026 at 13:00')
})

t.test('role labels follow the SPEC table', async t => {
  const labels = (locale: 'nl' | 'en' | 'sv'): string[] =>
    (['guest', 'lid', 'bijdrager', 'moderator', 'beheerder'] as const).map(role => translator(locale).role(role))
  t.same(labels('nl'), ['Gast', 'Lid', 'Bijdrager', 'Moderator', 'Beheerder'], 'Dutch')
  t.same(labels('en'), ['Guest', 'Member', 'Contributor', 'Moderator', 'Administrator'], 'English')
  t.same(labels('sv'), ['Gäst', 'Medlem', 'Bidragsgivare', 'Moderator', 'Administratör'], 'Swedish')
})

t.test('every locale has the same keys', async t => {
  const keys = (locale: string): string[] =>
    Object.keys(JSON.parse(readFileSync(projectPath('locales', `${locale}.json`), 'utf8')) as object).sort()
  t.same(keys('en'), keys('nl'), 'en has the keys of nl')
  t.same(keys('sv'), keys('nl'), 'sv has the keys of nl')
})
