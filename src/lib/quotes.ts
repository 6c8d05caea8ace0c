/**
 * A quote is plain Markdown, so it renders, edits and mails like any text:
 *
 *   > [@jan schreef:](/post/12)
 *   > what jan wrote
 *
 * static/js/writing.js writes the same form for a selected passage.
 */
export function quoteMarkdown (author: string, postId: number, wrote: string, text: string): string {
  const lines = text.trim().split(/\r?\n/).map(line => line === '' ? '>' : `> ${line}`)
  return `> [@${author} ${wrote}](/post/${postId})\n${lines.join('\n')}\n\n`
}

/** The posts a rendered post quotes: a blockquote that opens with a link to /post/ID. */
export function quotedPostIds (html: string): number[] {
  return [...new Set([...html.matchAll(/<blockquote>\s*<p><a href="\/post\/(\d+)"/g)].map(match => Number(match[1])))]
}
