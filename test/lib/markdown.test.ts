import t from 'tap'
import { parseDocument } from 'htmlparser2'
import type { ChildNode, Element } from 'domhandler'
import { defuse, mentionCandidates, renderMarkdown, renderPost, sanitizePostHtml } from '../../src/lib/markdown.js'
import { XSS_PAYLOADS } from '../security/xss-payloads.js'

// Classic XSS vectors (OWASP cheat sheet, PortSwigger, mutation-XSS papers), as HTML and as Markdown.
const payloads = XSS_PAYLOADS

const FORBIDDEN_TAGS = [
  'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'param', 'style', 'form', 'input', 'button',
  'textarea', 'select', 'isindex', 'svg', 'math', 'base', 'meta', 'link', 'noscript', 'noembed', 'template', 'xmp',
  'title', 'body', 'html', 'head', 'video', 'audio', 'source', 'details', 'marquee'
]
const URL_ATTRIBUTES = new Set(['href', 'src', 'srcset', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'background', 'cite', 'code'])

/** What a browser would see as the scheme: it skips whitespace and control characters anywhere in it. */
function isDangerousUrl (value: string): boolean {
  // eslint-disable-next-line no-control-regex
  const squeezed = value.replace(/[\u0000-\u0020\u007f-\u009f]+/g, '').toLowerCase()
  return /^(javascript|vbscript|data):/.test(squeezed) || /^[/\\]{2}/.test(squeezed)
}

function elementsOf (nodes: ChildNode[]): Element[] {
  const found: Element[] = []
  for (const node of nodes) {
    if ('attribs' in node) found.push(node)
    if ('children' in node) found.push(...elementsOf(node.children))
  }
  return found
}

/** Everything unsafe in a piece of rendered HTML, as readable findings; empty when it is safe. */
function unsafeParts (html: string): string[] {
  const findings: string[] = []
  for (const tag of FORBIDDEN_TAGS) {
    if (new RegExp(`<${tag}[\\s/>]`, 'i').test(html)) findings.push(`raw <${tag}>`)
  }
  // Tags as a browser tokenizes them, attribute values blanked so text in a title cannot trip the check.
  for (const [tag] of html.matchAll(/<[a-z][^>]*>/gi)) {
    const bare = tag.replace(/"[^"]*"|'[^']*'/g, '""')
    if (/\son\w+\s*=/i.test(bare)) findings.push(`event handler in ${tag}`)
    if (/\sstyle\s*=/i.test(bare)) findings.push(`style attribute in ${tag}`)
    if (/\shref\s*=\s*["']?\s*\/\//i.test(tag)) findings.push(`protocol-relative href in ${tag}`)
  }
  for (const element of elementsOf(parseDocument(html).children)) {
    if (FORBIDDEN_TAGS.includes(element.name.toLowerCase())) findings.push(`element ${element.name}`)
    for (const [name, value] of Object.entries(element.attribs)) {
      const attribute = name.toLowerCase()
      if (attribute.startsWith('on')) findings.push(`${element.name} ${attribute}=`)
      if (attribute === 'style') findings.push(`${element.name} style=`)
      if (URL_ATTRIBUTES.has(attribute) && isDangerousUrl(value)) findings.push(`${element.name} ${attribute}="${value}"`)
    }
  }
  return findings
}

const members = new Map([['jan', 'jan']])

t.test('the checker itself catches what it should', async t => {
  t.same(unsafeParts('<p>a <a href="https://example.org">b</a> &lt;script&gt;</p>'), [])
  t.same(unsafeParts('<img title="&lt;img src=x onerror=alert(1)&gt;" />'), [], 'an attribute value holding text is fine')
  t.not(unsafeParts('<a href="&#x6A;ava&#x09;script:alert(1)">x</a>').length, 0)
  t.not(unsafeParts('<a href=" //evil.example">x</a>').length, 0)
  t.not(unsafeParts('<img/src/onerror=alert(1)>').length, 0)
  t.not(unsafeParts('<p STYLE="x">y</p>').length, 0)
  t.not(unsafeParts('<svg><a xlink:href="data:text/html,x">y</a></svg>').length, 0)
})

t.test(`${payloads.length} XSS payloads leave nothing live`, async t => {
  t.ok(payloads.length >= 40)
  t.equal(new Set(payloads.map(([, source]) => source)).size, payloads.length, 'payloads are distinct')
  for (const [name, source] of payloads) {
    t.test(name, async t => {
      for (const trusted of [false, true]) {
        const who = trusted ? 'trusted' : 'untrusted'
        const rendered = renderPost(source, { members, trusted })
        t.same(unsafeParts(rendered), [], `rendered for ${who}: ${JSON.stringify(rendered)}`)
        t.equal(sanitizePostHtml(rendered, trusted), rendered, `sanitizing the ${who} rendering again changes nothing`)
        // The sanitizer is the gate on its own too, for HTML that never went through Markdown.
        const sanitized = sanitizePostHtml(source, trusted)
        t.same(unsafeParts(sanitized), [], `sanitized raw for ${who}: ${JSON.stringify(sanitized)}`)
        t.equal(sanitizePostHtml(sanitized, trusted), sanitized, `sanitizing raw HTML for ${who} is idempotent`)
      }
    })
  }
})

const render = (source: string, trusted = false): string => renderPost(source, { members, trusted })

t.test('ordinary Markdown survives', async t => {
  t.match(render('**vet** en *schuin* en ~~weg~~'), /<strong>vet<\/strong> en <em>schuin<\/em> en <del>weg<\/del>/)
  t.match(render('- een\n- twee'), /<ul>\s*<li>een<\/li>\s*<li>twee<\/li>\s*<\/ul>/)
  t.match(render('3. drie\n4. vier'), /<ol start="3">\s*<li>drie<\/li>/)
  t.match(render('> geciteerd'), /<blockquote>\s*<p>geciteerd<\/p>\s*<\/blockquote>/)
  t.match(render('```ts\nconst a = 1 < 2\n```'), '<pre><code class="language-ts">const a = 1 &lt; 2\n</code></pre>')
  t.match(render('`<b>`'), '<code>&lt;b&gt;</code>')
  t.match(render('# Kop\n\n### Kleiner'), /<h1>Kop<\/h1>\s*<h3>Kleiner<\/h3>/)
  const table = render('| links | rechts |\n|:--|--:|\n| 1 | 2 |')
  t.match(table, /<table>\s*<thead>\s*<tr>\s*<th align="left">links<\/th>\s*<th align="right">rechts<\/th>/)
  t.match(table, /<td align="left">1<\/td>\s*<td align="right">2<\/td>/)
  t.match(render('regel een\nregel twee'), 'regel een<br />regel twee', 'single newlines are line breaks')
  t.match(render('---'), '<hr />')
  // The CSP shows only the forum's own images: one from elsewhere becomes a link to it.
  t.match(render('![logo](https://example.org/logo.png "Het logo")'), '<a href="https://example.org/logo.png" rel="nofollow ugc noopener">logo</a>')
  t.match(render('![logo](/static/img/logo.png "Het logo")'), '<img src="/static/img/logo.png" alt="logo" title="Het logo" />')
  t.match(render('[site](https://example.org/pad?a=1&b=2 "Titel")'), '<a href="https://example.org/pad?a=1&amp;b=2" title="Titel"')
  t.match(render('mail <info@example.org>'), 'href="mailto:info@example.org"')
  t.match(render('Tom & Jerry <3'), 'Tom &amp; Jerry &lt;3')
})

t.test('links carry rel by the standing of the author', async t => {
  for (const source of ['[x](https://example.org)', 'https://example.org', '<a href="https://example.org" rel="opener">x</a>']) {
    t.match(render(source, false), /<a href="https:\/\/example\.org" rel="nofollow ugc noopener">/, `untrusted: ${source}`)
    t.match(render(source, true), /<a href="https:\/\/example\.org" rel="ugc noopener">/, `trusted: ${source}`)
    t.notMatch(render(source, true), 'nofollow')
  }
  t.notMatch(render('<a href="https://example.org" target="_blank">x</a>'), 'target=', 'no target attribute')
})

t.test('mentions', async t => {
  const piet = new Map([['jan', 'jan'], ['piet.de-vries', 'Piet.de-Vries']])
  const mention = (name: string): string => `<a class="mention" href="/user/${name}" rel="nofollow ugc noopener">@${name}</a>`
  t.match(renderPost('Vraag voor @jan.', { members: piet, trusted: false }), `<p>Vraag voor ${mention('jan')}.</p>`)
  t.match(renderPost('@PIET.DE-VRIES kijk even', { members: piet, trusted: false }), mention('Piet.de-Vries'),
    'found without regard to case, shown as registered')
  t.match(renderPost('**@jan**', { members: piet, trusted: false }), `<strong>${mention('jan')}</strong>`)
  t.equal(renderPost('@onbekend hallo', { members: piet, trusted: false }), '<p>@onbekend hallo</p>\n', 'not a member: plain text')
  t.notMatch(render('`@jan` en\n\n```\n@jan\n```'), 'class="mention"', 'not in code')
  t.notMatch(render('mail jan@example.org'), 'class="mention"', 'not in an e-mail address')
  t.notMatch(render('https://social.example/@jan'), 'class="mention"', 'not in a URL')
  t.notMatch(render('<a class="mention" href="javascript:alert(1)">@jan</a>'), 'href="javascript', 'a typed mention cannot carry a bad URL')

  const everyone = new Map([['jan', 'jan'], ['piet', 'Piet'], ['els', 'els'], ['abc', 'abc']])
  const mentioned = (source: string): string[] => renderMarkdown(source, { members: everyone, trusted: false }).mentions
  t.same(mentioned('@Jan en @jan en @PIET, en (@els) maar niet jan@example.org of a@b'), ['jan', 'Piet', 'els'])
  t.same(mentioned('@x en @ab zijn te kort, @abc mag'), ['abc'], 'names are at least three characters')
  t.same(mentioned('geen'), [])
  t.same(mentioned('@onbekend en @jan'), ['jan'], 'only members are mentioned')
})

t.test('the cheap scan finds every name the parser finds', async t => {
  const sources = ['@Jan en @jan en @PIET, en (@els) maar niet jan@example.org of a@b', 'foo@jan', '`@jan` en **@piet**',
    '[@jan](https://example.org)', '> @els schreef', '- @abc\n  - @jan.', '@jan.de-vries_ en @x']
  for (const source of sources) {
    const all = new Map(mentionCandidates(source).map(name => [name, name]))
    for (const name of renderMarkdown(source, { members: all, trusted: false }).mentions) {
      t.ok(all.has(name), `${JSON.stringify(source)}: ${name} was among the candidates`)
    }
  }
  t.same(mentionCandidates('@Jan @jan @PIET'), ['jan', 'piet'])
})

t.test('rendered mentions and notified mentions are the same names', async t => {
  // `mentions` decides who is notified; the links are who is linked. They come from one parse and must agree.
  const everyone = new Map([['jan', 'jan'], ['localhost', 'localhost']])
  for (const source of ['foo@jan', 'mail root@localhost', 'x_@jan', '`@jan`', 'jan@example.org', 'hoi @jan']) {
    const { html, mentions: notified } = renderMarkdown(source, { members: everyone, trusted: false })
    const linked = [...html.matchAll(/class="mention" href="\/user\/([^"]+)"/g)].map(match => match[1].toLowerCase())
    t.same(linked, notified, JSON.stringify(source))
  }
})

t.test('a mention inside link text does not nest links', async t => {
  const html = render('[@jan](https://example.org)')
  t.notMatch(html, /<a [^>]*>[^<]*<a /, `no <a> inside <a>: ${html}`)
})

t.test('shapes that cost the parser more than their length are defused before parsing', async t => {
  t.equal(defuse('**vet** en *schuin* en _ook_\n\n- een\n  - twee'), '**vet** en *schuin* en _ook_\n\n- een\n  - twee', 'ordinary text is left alone')
  const timed = (source: string): { html: string, ms: number } => {
    const started = performance.now()
    const html = render(source)
    return { html, ms: performance.now() - started }
  }
  // marked#4099: unmatched emphasis markers take quadratic time (15,000 characters stalled the server 12.8 s).
  for (const [name, source] of [
    ['_a* ×20,000', '_a*'.repeat(20_000)],
    ['*a_ ×20,000', '*a_'.repeat(20_000)],
    ['escaped \\_a\\* ×12,000', '\\_a\\*'.repeat(12_000)],
    ['_a* with code spans', '`x` _a* '.repeat(6_000)]
  ]) {
    t.ok(source.length <= 60_000, `${name} fits in a post`)
    const { html, ms } = timed(source)
    t.ok(ms < 1000, `${name}: ${Math.round(ms)} ms`)
    t.notMatch(html, /<em>|<strong>/, `${name}: the markers are text`)
  }
  t.match(render('`x_y*` ' + '_a*'.repeat(1200)), '<code>x_y*</code>', 'code spans keep their characters')
  t.match(render('**vet**\n\n' + '_a*'.repeat(1200)), '<strong>vet</strong>', 'only the block with the flood is changed')

  // Each line one level deeper than the last, as far as a post allows.
  const staircase = Array.from({ length: 100 }, (_, i) => ' '.repeat(i * 8) + '- '.repeat(4) + 'a').join('\n')
  t.ok(staircase.length < 60_000)
  const { html, ms } = timed(staircase)
  t.ok(ms < 1000, `a staircase of lists 400 deep: ${Math.round(ms)} ms`)
  let depth = 0
  let deepest = 0
  for (const [tag] of html.matchAll(/<\/?ul>/g)) {
    depth += tag === '<ul>' ? 1 : -1
    deepest = Math.max(deepest, depth)
  }
  t.ok(deepest >= 16 && deepest <= 40, `nesting stops at a sane depth (${deepest})`)
  t.equal(defuse('```\n' + ' '.repeat(80) + 'code\n```'), '```\n' + ' '.repeat(80) + 'code\n```', 'fenced code keeps its indentation')
})
