import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import PostalMime, { type Email } from 'postal-mime'

export interface SmtpSink { port: number, url: string, received: Email[], close: () => Promise<void> }

/** A real SMTP server on loopback that keeps what it receives, parsed by a real MIME parser. */
export async function smtpSink (t: { teardown: (fn: () => unknown) => void }, port = 0): Promise<SmtpSink> {
  const received: Email[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData (stream, _session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        PostalMime.parse(Buffer.concat(chunks)).then(mail => { received.push(mail); callback() }, callback)
      })
    }
  })
  // A client that drops the connection (a killed process, a closed pool) is not a failure of the sink.
  server.on('error', () => {})
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve))
  const close = (): Promise<void> => new Promise(resolve => server.close(() => resolve()))
  t.teardown(close)
  const bound = (server.server.address() as AddressInfo).port
  return { port: bound, url: `smtp://127.0.0.1:${bound}`, received, close }
}

/** The path of the first link to `prefix` (e.g. "/password/reset/") in a mail's text part. */
export function linkIn (mail: Email | undefined, baseUrl: string, prefix: string): string | undefined {
  const escaped = (baseUrl + prefix).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  const match = new RegExp(`${escaped}[\\w-]+`).exec(mail?.text ?? '')
  return match?.[0].slice(baseUrl.length)
}
