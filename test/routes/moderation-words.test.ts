import t from 'tap'
import { allTextOfClass, buildTestApp, textOfClass, Visitor, loggedIn } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'
import type { Locale } from '../../src/config.js'

const WORDS: Record<Locale, { acts: string[], change: RegExp[] }> = {
  nl: { acts: ['Instelling gewijzigd', 'Rol gewijzigd', 'Onderwerp verplaatst', 'Onderwerp gesloten'], change: [/^Berichten per pagina: 10 → 12$/, /^Lid → Bijdrager$/, /^Algemeen → Regio Noord$/] },
  en: { acts: ['Setting changed', 'Role changed', 'Topic moved', 'Topic closed'], change: [/: 10 → 12$/, /^Member → Contributor$/, /^Algemeen → Regio Noord$/] },
  sv: { acts: ['Inställning ändrad', 'Roll ändrad', 'Ämne flyttat', 'Ämne stängt'], change: [/: 10 → 12$/, /^Medlem → Bidragsgivare$/, /^Algemeen → Regio Noord$/] }
}

for (const locale of ['nl', 'en', 'sv'] as const) {
  t.test(`the moderation log reads in words, in ${locale}`, async t => {
    const app = await buildTestApp(t, { locale })
    const forum = await makeForum(app)
    await makeForum(app, 'Regio Noord')
    const jan = await makeMember(app, 'jan')
    await makeMember(app, 'baas', 'beheerder')
    const { topic } = await makeTopic(app, { forumId: forum.id, author: jan })
    const baas = await loggedIn(app, 'baas')
    const url = `/topic/${topic.slug}`
    await baas.submit(url, `${url}/moderate`, { action: 'lock' })
    await baas.submit(url, `${url}/moderate`, { action: 'move', forum: 'regio-noord' })
    await baas.submit('/user/jan', '/user/jan/moderate', { action: 'role', role: 'bijdrager' })
    await baas.submit('/admin', '/admin/settings', { posts_per_page: '12' })

    const page = (await baas.get('/moderation/log')).body
    t.same(allTextOfClass(page, 'log-action'), WORDS[locale].acts, 'acts in words, newest first')
    t.notMatch(page.split('<table')[1], /topic\.lock|member\.role|site\.setting|posts_per_page|regio-noord →/, 'no codes, slugs or keys in the table')
    const changes = allTextOfClass(page, 'log-change')
    WORDS[locale].change.forEach((pattern, i) => t.match(changes[i], pattern, `change ${i + 1}: ${changes[i]}`))
    t.match(page, /<td class="log-subject"[^>]*><a href="\/topic\/[^"]+">Een vraag over verlof<\/a>/, 'the topic by name, linked')
    t.match(page, '<a href="/forum/regio-noord">Regio Noord</a>', 'forums by name, linked')
    t.match(page, '<a href="/user/jan">jan</a>', 'the member, linked')
  })
}

t.test('smaller points: the edit heading, the guest notice, the per-post moderation menu, permalinks on page 1', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  const jan = await makeMember(app, 'jan', 'bijdrager')
  await makeMember(app, 'mod', 'moderator')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, replies: 1 })
  const author = await loggedIn(app, 'jan')
  const edit = await author.get(`/post/${ids[1]}/edit`)
  t.match(edit.body, `<h1>Bericht #${ids[1]} in „Een vraag over verlof” bewerken</h1>`, 'the edit page says which post in which topic')

  const guest = await new Visitor(app).get(`/topic/${topic.slug}`)
  t.match(textOfClass(guest.body, 'login-notice'), 'Je moet ingelogd zijn om een reactie op dit onderwerp te kunnen geven. Inloggen · Registreren')
  t.match(guest.body, /class="notice login-notice">[^\n]*<a href="\/register">Registreren<\/a>/, 'with a link to sign up')

  const mod = await loggedIn(app, 'mod')
  const page = await mod.get(`/topic/${topic.slug}`)
  const menus = [...page.body.matchAll(/<details class="post-moderation">[\s\S]*?<\/details>/g)].map(m => m[0])
  t.equal(menus.length, 2, 'one folded moderation menu per post')
  t.ok(menus.every(menu => menu.includes('name="reason"') && menu.includes('value="hide"')), 'the reason box and hide button are inside it')
  const unfolded = page.body.replace(/<details class="(post-moderation|post-delete|report)">[\s\S]*?<\/details>/g, '').split('class="moderator-tools"')[0]
  t.notMatch(unfolded, 'name="reason"', 'no reason box under the posts outside the folded menus')
  t.equal((await new Visitor(app).get(`/post/${ids[0]}`)).headers.location, `/topic/${topic.slug}#post-${ids[0]}`, 'a post on page 1: no /page/1 in its link')
})
