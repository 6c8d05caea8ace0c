import TurndownService from 'turndown'

/**
 * bbPress stores what its editor sent: text with blank lines between paragraphs and inline
 * HTML, given its <p> and <br> only when a page shows it (WordPress's wpautop). Those breaks are
 * made here first, or Markdown would run every paragraph together; turndown then writes Markdown,
 * which Kring renders and sanitises like any post.
 */

const BLOCK = /^<\/?(?:p|div|blockquote|ul|ol|li|pre|h[1-6]|table|thead|tbody|tr|td|th|hr|dl|dt|dd|figure|section)\b/i

/** WordPress's paragraphs: a blank line ends one, a single line break is a <br>; blocks stay as they are. */
export function addParagraphs (html: string): string {
  const text = html.replace(/\r\n?/g, '\n').trim()
  if (text === '') return ''
  // A block tag on a line of its own starts a block of its own, as in wpautop.
  const spaced = text.replace(/(<\/?(?:blockquote|ul|ol|pre|table|div|h[1-6])\b[^>]*>)/gi, '\n\n$1\n\n')
  return spaced.split(/\n\s*\n/).map(part => part.trim()).filter(part => part !== '').map(part => {
    if (BLOCK.test(part)) return part
    return `<p>${part.replace(/\n/g, '<br>')}</p>`
  }).join('\n')
}

const turndown = new TurndownService({
  headingStyle: 'atx',
  codeBlockStyle: 'fenced',
  bulletListMarker: '-',
  emDelimiter: '*',
  strongDelimiter: '**',
  hr: '---',
  // Kring renders a single line break as <br> (marked's breaks), so a <br> is just a newline.
  br: ''
})
// What a post may never hold goes with its content, not as text.
turndown.remove(['script', 'style', 'iframe', 'object', 'embed', 'form'])

export function htmlToMarkdown (html: string): string {
  return turndown.turndown(addParagraphs(html)).trim()
}
