import t from 'tap'
import { DomUtils, parseDocument } from 'htmlparser2'
import type { Element } from 'domhandler'
import { buildTestApp, Visitor } from '../helper.js'
import { makeForum, makeMember, PASSWORD } from '../factories.js'

const TITLE = '<script>alert(1)</script> "><img src=x onerror=alert(1)> & \'quotes\''
const EDITED_TITLE = '<svg onload=alert(2)> </textarea><script>alert(2)</script>'

// A few of the payloads from test/lib/markdown.test.ts, as they arrive through the forms.
const BODIES = [
  '**sterk** <script>alert(1)</script>',
  '<img src=x onerror=alert(1)> and <img/src/onerror=alert(1)>',
  '[klik](javascript:alert(1)) [ook](&#106;avascript:alert(1)) <a href="java\tscript:alert(1)">x</a>',
  '<iframe src="https://evil.example"></iframe><svg onload=alert(1)><details open ontoggle=alert(1)>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+) <a href="//evil.example" style="x">y</a>',
  '</textarea><script>alert(1)</script>'
]

const URL_ATTRIBUTES = new Set(['href', 'src', 'srcset', 'action', 'formaction', 'xlink:href', 'data'])

/** Everything live that a payload could have planted anywhere on a page. */
function liveMarkup (html: string): string[] {
  const findings: string[] = []
  const elements = DomUtils.findAll(() => true, parseDocument(html).children)
  for (const element of elements) {
    // Kring's own script (external, empty, in the head) is the one script a page may hold.
    const ownScript = element.name === 'script' && element.attribs.src === '/static/js/writing.js' && element.children.length === 0
    if (['script', 'iframe', 'object', 'embed', 'svg', 'math', 'base'].includes(element.name) && !ownScript) findings.push(`<${element.name}>`)
    for (const [name, value] of Object.entries(element.attribs)) {
      if (/^on/i.test(name)) findings.push(`${element.name} ${name}="${value}"`)
      // eslint-disable-next-line no-control-regex
      const scheme = value.replace(/[\u0000-\u0020]+/g, '').toLowerCase()
      if (URL_ATTRIBUTES.has(name) && /^(javascript:|vbscript:|data:|[/\\]{2})/.test(scheme)) findings.push(`${element.name} ${name}="${value}"`)
    }
  }
  if (/<script>alert|<img src=x onerror/i.test(html)) findings.push('raw payload in the page')
  return findings
}

function byClass (html: string, className: string): Element[] {
  return DomUtils.findAll(element => (element.attribs.class ?? '').split(/\s+/).includes(className), parseDocument(html).children)
}

function textOf (elements: Element[]): string[] {
  return elements.map(element => DomUtils.textContent(element).trim())
}

t.test('markup in a title and in bodies never comes back live', async t => {
  const app = await buildTestApp(t)
  const forum = await makeForum(app)
  await makeMember(app, 'jan')
  await makeMember(app, 'els', 'bijdrager')
  const jan = new Visitor(app)
  await jan.login('jan', PASSWORD)

  const created = await jan.submit(`/forum/${forum.slug}/new`, `/forum/${forum.slug}/new`, { title: TITLE, body: BODIES[0] })
  t.equal(created.statusCode, 303)
  const topicUrl = created.headers.location as string
  t.match(topicUrl, /^\/topic\/[a-z0-9-]+$/, 'the slug holds no markup')

  // Replies from a lid and from a trusted bijdrager, whose links are rendered differently.
  const els = new Visitor(app)
  await els.login('els', PASSWORD)
  for (const [i, body] of BODIES.slice(1).entries()) {
    const author = i % 2 === 0 ? jan : els
    const replied = await author.submit(topicUrl, `${topicUrl}/reply`, { body })
    t.equal(replied.statusCode, 303, `reply ${JSON.stringify(body)}`)
  }

  const topicPage = await jan.get(topicUrl)
  t.equal(topicPage.statusCode, 200)
  t.same(liveMarkup(topicPage.body), [], 'topic page')
  t.match(topicPage.body, '&lt;script&gt;alert(1)&lt;/script&gt;', 'the title is shown escaped')
  t.same(textOf(byClass(topicPage.body, 'topic-title')), [TITLE], 'the heading reads as typed')
  const pageTitle = DomUtils.textContent(DomUtils.getElementsByTagName('title', parseDocument(topicPage.body).children)[0])
  t.ok(pageTitle.startsWith(TITLE), 'so does <title>')
  const bodies = byClass(topicPage.body, 'post-body')
  t.equal(bodies.length, BODIES.length, 'one post body per post')
  t.match(DomUtils.getInnerHTML(bodies[0]), '<strong>sterk</strong>', 'the harmless part of a post survives')

  // Guests get the same stored HTML.
  const guestPage = await new Visitor(app).get(topicUrl)
  t.same(liveMarkup(guestPage.body), [], 'topic page for a guest')

  const forumPage = await jan.get(`/forum/${forum.slug}`)
  t.same(liveMarkup(forumPage.body), [], 'forum page')
  t.match(forumPage.body, '&lt;script&gt;alert(1)&lt;/script&gt;')
  const topicLinks = DomUtils.findAll(element => element.name === 'a' && element.attribs.href === topicUrl, parseDocument(forumPage.body).children)
  t.same(textOf(topicLinks), [TITLE], 'the forum lists the title as typed')

  const index = await jan.get('/')
  t.same(liveMarkup(index.body), [], 'forum index')
  t.match(index.body, '&lt;script&gt;alert(1)&lt;/script&gt;', 'the index shows the last topic title escaped')

  // The edit form puts the raw source back in a textarea and the title in a value attribute.
  const [firstPostId] = [...topicPage.body.matchAll(/<article id="post-(\d+)"/g)].map(match => match[1])
  const lastPostId = [...topicPage.body.matchAll(/<article id="post-(\d+)"/g)].map(match => match[1]).at(-1)
  const editForm = await jan.get(`/post/${firstPostId}/edit`)
  t.equal(editForm.statusCode, 200)
  t.same(liveMarkup(editForm.body), [], 'edit form of the first post')
  const lastEditForm = await jan.get(`/post/${lastPostId}/edit`)
  t.same(liveMarkup(lastEditForm.body), [], 'edit form of a post whose source closes the textarea')

  const edited = await jan.submit(`/post/${firstPostId}/edit`, `/post/${firstPostId}/edit`, { title: EDITED_TITLE, body: BODIES[1] })
  t.equal(edited.statusCode, 303)
  const afterEdit = await jan.get(edited.headers.location as string)
  t.same(liveMarkup(afterEdit.body), [], 'topic page after an edit')
  t.same(textOf(byClass(afterEdit.body, 'topic-title')), [EDITED_TITLE])

  // A refused form shows what was typed, escaped.
  const refused = await jan.submit(`/forum/${forum.slug}/new`, `/forum/${forum.slug}/new`, { title: TITLE, body: '' })
  t.equal(refused.statusCode, 400)
  t.same(liveMarkup(refused.body), [], 'the refused new-topic form')
  const titleInput = DomUtils.findOne(element => element.attribs.id === 'title', parseDocument(refused.body).children)
  t.equal(titleInput?.attribs.value, TITLE, 'the title field keeps what was typed')
})

t.test('a username cannot carry markup', async t => {
  const app = await buildTestApp(t)
  for (const username of ['<b>x</b>', '"><script>alert(1)</script>', 'jan<img src=x onerror=alert(1)>']) {
    const visitor = new Visitor(app)
    const res = await visitor.submit('/register', '/register', { username, email: 'nieuw@example.org', password: PASSWORD })
    t.equal(res.statusCode, 400, JSON.stringify(username))
    t.same(liveMarkup(res.body), [])
    t.notMatch(res.body, username, 'never echoed raw')
    const document = parseDocument(res.body)
    const field = DomUtils.findOne(element => element.attribs.id === 'username', document.children)
    t.equal(field?.attribs.value, username, 'the form keeps what was typed')
    t.ok(DomUtils.findOne(element => element.attribs.id === 'username-error', document.children), 'with the error next to it')
    t.equal(DomUtils.findOne(element => element.attribs.id === 'email', document.children)?.attribs.value, 'nieuw@example.org')
  }
  const users = await app.db.selectFrom('users').select('username').execute()
  t.same(users, [], 'nobody was stored')
})
