import t from 'tap'
import { readFileSync } from 'node:fs'
import { buildTestApp } from '../helper.js'
import { serveToBrowser } from './browser.js'
import { makeForum, makeMember, makeTopic, PASSWORD } from '../factories.js'
import { projectPath } from '../../src/lib/paths.js'

// A bijdrager logs in, replies with a PDF and an image through the real form in Debian's
// Chromium, sees them under the post and opens them: the PDF as a download, the image inline.
t.setTimeout(120_000)

t.test('uploading through the real form in a browser, and opening the files', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app, 'Beleid')
  const author = await makeMember(app, 'marieke', 'bijdrager')
  const { topic } = await makeTopic(app, { forumId: forum.id, author, title: 'Nieuwe cao' })
  const { origin, browser } = await serveToBrowser(t, app)
const context = await browser.newContext({ acceptDownloads: true })
  const page = await context.newPage()
  await page.goto(`${origin}/login`)
  await page.fill('#login', 'marieke')
  await page.fill('#password', PASSWORD)
  await Promise.all([page.waitForURL(`${origin}/`), page.click('form[action="/login"] button[type="submit"]')])

  await page.goto(`${origin}/topic/${topic.slug}`)
  await page.fill('#body', 'De nieuwe cao, en een foto van de bijeenkomst.')
  const pdf = readFileSync(projectPath('test', 'fixtures', 'uploads', 'cao-tekst.pdf'))
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==', 'base64')
  await page.setInputFiles('#files', [
    { name: 'cao 2027 – definitief.pdf', mimeType: 'application/pdf', buffer: pdf },
    { name: 'bijeenkomst.png', mimeType: 'image/png', buffer: png }
  ])
  await Promise.all([page.waitForURL(/#post-\d+$/), page.click('form.post-form button[type="submit"]:not([name="preview"])')])
  t.match(await page.locator('.flash, .notice').first().textContent(), /geplaatst/i, 'the reply is posted')
  const list = await page.locator('.attachment-list').last().textContent()
  t.match(list, /cao 2027 – definitief\.pdf\s+PDF/, 'the document listed by its own name')
  const thumbnail = page.locator('.attachment-image img').last()
  t.equal(await thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), true, 'the image shows as a thumbnail')

  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('.attachment-list a').last().click()])
  t.equal(download.suggestedFilename(), 'cao 2027 – definitief.pdf', 'the PDF downloads under its name')
  t.same(readFileSync(await download.path()), pdf, 'byte for byte')
  const opened = await context.newPage()
  const response = await opened.goto(`${origin}${await page.locator('.attachment-image').last().getAttribute('href')}`)
  t.equal(response?.headers()['content-type'], 'image/png', 'the image opens inline')
  t.equal(response?.headers()['x-content-type-options'], 'nosniff')
})
