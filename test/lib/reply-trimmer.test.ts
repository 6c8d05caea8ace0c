import t from 'tap'
import { trimReply } from '../../src/mail/reply-trimmer.js'

const cases: Array<[string, string, string]> = [
  ['Gmail, Dutch', 'Bij ons ook twee dagen.\n\nOp di 1 dec. 2026 om 09:12 schreef Kring <noreply@forum.example.org>:\n\n> jan schreef in "Thuiswerken":\n> Hoe doen jullie dat?\n', 'Bij ons ook twee dagen.'],
  ['Gmail, English, wrapped', 'Sounds good.\n\nOn Tue, Dec 1, 2026 at 9:12 AM Kring <noreply@forum.example.org>\nwrote:\n\n> quoted\n', 'Sounds good.'],
  ['Apple Mail, Swedish', 'Vi gör likadant.\n\nDen 1 dec. 2026 kl. 09:12 skrev Kring <noreply@forum.example.org>:\n\n> citat\n', 'Vi gör likadant.'],
  ['Thunderbird, Dutch', 'Prima!\n\nOp 01-12-2026 om 09:12 schreef Kring:\n> citaat\n', 'Prima!'],
  ['Outlook, Dutch header block', 'Akkoord.\n\nMet vriendelijke groet,\nAnnelies\n\nVan: Kring <noreply@forum.example.org>\nVerzonden: dinsdag 1 december 2026 09:12\nAan: annelies@example.org\nOnderwerp: Re: Thuiswerken\n\nquoted', 'Akkoord.\n\nMet vriendelijke groet,\nAnnelies'],
  ['Outlook, English separator', 'Yes.\n\n-----Original Message-----\nFrom: Kring\nSent: Tuesday\n', 'Yes.'],
  ['Outlook, Swedish header block', 'Ja, gärna.\n\nFrån: Kring <noreply@forum.example.org>\nSkickat: den 1 december 2026 09:12\nTill: lena@example.se\n', 'Ja, gärna.'],
  ['signature', 'Tot morgen.\n\n-- \nJan de Vries\nHR-adviseur', 'Tot morgen.'],
  ['phone', 'Klopt.\n\nVerzonden vanaf mijn iPhone', 'Klopt.'],
  ['bare quote below', 'Eens.\n\n> Wat vinden jullie?\n> Graag reacties.', 'Eens.'],
  ['quote inside the text is kept', '> Wat vinden jullie?\n\nIk vind het goed.', '> Wat vinden jullie?\n\nIk vind het goed.'],
  ['nothing to trim', 'Gewoon een bericht\nover twee regels.', 'Gewoon een bericht\nover twee regels.']
]

for (const [name, input, expected] of cases) {
  t.equal(trimReply(input), expected, name)
}
t.equal(trimReply('x'.repeat(100_000) + '\nOp ' + 'a'.repeat(100_000)), 'x'.repeat(100_000) + '\nOp ' + 'a'.repeat(100_000), 'long lines are no trouble')
