/**
 * What a member wrote in a reply by mail, without the quoted mail below it and without their
 * signature. Mail programs mark the quote in their own words: "Op … schreef …:" (nl),
 * "On … wrote:" (en), "Den … skrev …:" (sv), Outlook's separator line or header block
 * ("From:/Van:/Från: …" with "Sent:/Verzonden:/Skickat: …"), or only ">" lines. After the
 * first such mark nothing is kept.
 */

const QUOTE_HEADER = [
  /^(Op|On|Den|Am|Le|El) .{4,200}(schreef|wrote|skrev|schrieb|a écrit|escribió)\s*.{0,200}:\s*$/i,
  /^-{2,}\s*(Original Message|Oorspronkelijk bericht|Origineel bericht|Ursprungligt meddelande|Originalmeddelande|Forwarded message|Doorgestuurd bericht|Vidarebefordrat meddelande)\s*-{2,}\s*$/i,
  /^_{10,}\s*$/
]
// Outlook's header block: a From line followed within a few lines by a Sent/Date line.
const HEADER_FROM = /^\*?(From|Van|Från|Von):\*?\s/i
const HEADER_SENT = /^\*?(Sent|Date|Verzonden|Datum|Skickat|Gesendet):\*?\s/i
const SIGNATURE = [
  /^-- ?$/,
  /^(Sent|Verzonden|Verstuurd|Skickat|Gesendet) (from|vanaf|van|met|från|von) (my|mijn|min|mein) .{1,40}$/i
]

export function trimReply (text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  let end = lines.length
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    // Some programs wrap a long "On … wrote:" over two lines.
    const joined = i + 1 < lines.length ? `${line} ${lines[i + 1].trim()}` : line
    const quoteStarts = QUOTE_HEADER.some(pattern => pattern.test(line)) ||
      (/^(Op|On|Den) /i.test(line) && QUOTE_HEADER[0].test(joined)) ||
      (HEADER_FROM.test(line) && lines.slice(i + 1, i + 5).some(next => HEADER_SENT.test(next.trim()))) ||
      SIGNATURE.some(pattern => pattern.test(lines[i]))
    if (quoteStarts) {
      end = i
      break
    }
  }
  const kept = lines.slice(0, end)
  // Quoted lines left at the end (a reply written above a bare "> …" quote).
  while (kept.length > 0 && (kept.at(-1)!.trim() === '' || kept.at(-1)!.trimStart().startsWith('>'))) kept.pop()
  return kept.join('\n').trim()
}
