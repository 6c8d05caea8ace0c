import t from 'tap'
import type { Page } from 'playwright-core'
import { buildTestApp } from '../helper.js'
import { serveToBrowser } from './browser.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'

// The post forms in Debian's Chromium, with static/js/writing.js running: a selected passage
// quoted into the reply, "Voorbeeld", and a draft that survives a reload and a closed tab.
t.setTimeout(120_000)

t.test('selection quote, preview and draft restore in a real browser', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app, 'Arbeidsrecht')
  const jan = await makeMember(app, 'jan')
  await makeMember(app, 'piet')
  const { topic, ids } = await makeTopic(app, { forumId: forum.id, author: jan, title: 'Proeftijd' })
  await app.db.updateTable('posts').set({ body_html: '<p>Een proeftijd mag hoogstens twee maanden duren. Daarna is het een vast contract.</p>' })
    .where('id', '=', ids[0]).execute()
  const { origin, browser } = await serveToBrowser(t, app)
const context = await browser.newContext()
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', error => errors.push(error.message))
  context.on('response', response => { if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) errors.push(`${response.status()} ${response.url()}`) })
  await page.goto(`${origin}/login`)
  await page.fill('#login', 'piet')
  await page.fill('#password', PASSWORD)
  await Promise.all([page.waitForURL(`${origin}/`), page.click('form[action="/login"] button[type="submit"]')])

  // Select "hoogstens twee maanden" in jan's post: a "Citeren" button appears, and puts it in the form.
  await page.goto(`${origin}/topic/${topic.slug}`)
  await selectText(page, `#post-${ids[0]} .post-body p`, 'hoogstens twee maanden')
  const button = page.locator('button.quote-selection')
  await button.waitFor({ state: 'visible' })
  t.equal(await button.textContent(), 'Citeren')
  await button.click()
  t.equal(await page.inputValue('#body'), `> [@jan schreef:](/post/${ids[0]})\n> hoogstens twee maanden\n\n`, 'the passage quoted, naming and linking the post')
  t.ok(await page.evaluate(() => document.activeElement?.id === 'body'), 'the cursor in the reply, ready to write')

  // "Voorbeeld": the quote rendered as it will show, nothing posted, the text kept.
  await page.locator('#body').press('Control+End')
  await page.locator('#body').pressSequentially('Klopt, bij een contract van meer dan een jaar.')
  await Promise.all([page.waitForLoadState('load'), page.click('form.post-form button[name="preview"]')])
  t.match(await page.locator('.preview .post-body blockquote a').getAttribute('href'), `/post/${ids[0]}`, 'the preview shows the quote block')
  t.match(await page.locator('.preview .post-body').textContent(), /@jan schreef:\s*hoogstens twee maanden\s*Klopt, bij een contract/)
  t.match(await page.inputValue('#body'), /Klopt, bij een contract van meer dan een jaar\.$/, 'the text is kept in the form')
  t.equal((await app.db.selectFrom('posts').select('id').where('topic_id', '=', topic.id).execute()).length, 1, 'nothing posted')

  // Typing on, then the tab is closed: the script kept the draft; a new tab brings it back.
  await page.locator('#body').press('Control+End')
  await page.locator('#body').pressSequentially(' En bij een cao kan het anders.')
  await page.locator('.draft-status').filter({ hasText: 'Concept opgeslagen' }).waitFor({ timeout: 10_000 })
  await page.close()
  const again = await context.newPage()
  await again.goto(`${origin}/topic/${topic.slug}`)
  t.match(await again.inputValue('#body'), /En bij een cao kan het anders\.$/, 'the draft is restored after the tab was closed')
  t.match(await again.locator('.draft-status').textContent(), /Concept opgeslagen/, '"concept opgeslagen"')
  await Promise.all([again.waitForURL(/#post-\d+$/), again.click('form.post-form button[type="submit"]:not([name="preview"])')])
  t.match(await again.locator(`.post-body blockquote a[href="/post/${ids[0]}"]`).last().textContent(), '@jan schreef:', 'posted with the quote')
  await again.goto(`${origin}/topic/${topic.slug}`)
  t.equal(await again.inputValue('#body'), '', 'posting removed the draft')
  t.same(errors, [], 'no script errors, no failed requests (the draft saves included)')
})

/** Selects `text` inside the first element matching `selector`, as a mouse would. */
async function selectText (page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).evaluate((element, wanted) => {
    const node = element.firstChild!
    const start = node.textContent!.indexOf(wanted)
    const range = document.createRange()
    range.setStart(node, start)
    range.setEnd(node, start + wanted.length)
    const selection = document.getSelection()!
    selection.removeAllRanges()
    selection.addRange(range)
  }, text)
}
