import path from 'node:path'

export type Locale = 'nl' | 'en' | 'sv'
export const LOCALES: readonly Locale[] = ['nl', 'en', 'sv']

export interface Config {
  port: number
  host: string
  dataDir: string
  /** A PostgreSQL database (postgres://…) instead of the SQLite file DATA_DIR/kring.sqlite; null: SQLite. */
  databaseUrl: string | null
  /** How many connections each process keeps to PostgreSQL. */
  databasePoolSize: number
  /** Uploaded files (avatars, documents); null: DATA_DIR/uploads. */
  uploadsDir: string | null
  /** Absolute links (mail, feeds) are built from this, never from the Host header. */
  baseUrl: string
  demo: boolean
  locale: Locale
  smtpUrl: string | null
  /** The From of every mail. */
  mailFrom: string
  /** Reply by mail: an address with %{key}, e.g. reply+%{key}@forum.example.org; null: off. */
  mailReplyAddress: string | null
  /** Port of the in-process SMTP listener for mail in (on HOST); null: off. */
  inboundSmtpPort: number | null
  trustProxy: boolean
  /** SQLite synchronous mode: FULL survives power loss; NORMAL is faster. */
  synchronous: 'FULL' | 'NORMAL'
  /** log2 of scrypt's N for new password hashes; the parameters are stored with each hash. */
  passwordCost: number
  logLevel: string
  /** A post body whose rendering runs longer than this is refused as too complex. */
  renderTimeLimitMs: number
}

export class ConfigError extends Error {}

/** A database URL as it may be shown: without its password. */
export const withoutPassword = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?]*):[^@/?]*@/i, '$1:***@')

type Env = Record<string, string | undefined>

function portNumber (text: string, name: string): number {
  const port = Number(text)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`${name} must be a port number, not "${text}"`)
  return port
}

function replyAddress (text: string | undefined): string | null {
  if (!text) return null
  if (!/^[^@\s]*%\{key\}[^@\s]*@[^@\s]+$/.test(text)) throw new ConfigError(`MAIL_REPLY_ADDRESS must be an address holding %{key}, like reply+%{key}@forum.example.org, not "${text}"`)
  return text
}

/** Reads and validates the environment once; tests pass overrides instead. */
export function loadConfig (env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const port = portNumber(env.PORT ?? '3000', 'PORT')

  const host = env.HOST ?? '127.0.0.1'
  const baseUrl = (env.BASE_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '')
  let parsed: URL
  try {
    parsed = new URL(baseUrl)
  } catch {
    throw new ConfigError(`BASE_URL must be an absolute http(s) URL, not "${baseUrl}"`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError('BASE_URL must start with http:// or https://')

  const locale = (env.KRING_LOCALE ?? 'nl') as Locale
  if (!LOCALES.includes(locale)) throw new ConfigError(`KRING_LOCALE must be one of ${LOCALES.join(', ')}, not "${env.KRING_LOCALE}"`)

  const databaseUrl = env.DATABASE_URL || null
  if (databaseUrl !== null && !/^postgres(?:ql)?:\/\//.test(databaseUrl)) throw new ConfigError('DATABASE_URL must start with postgres:// (without it, Kring uses the SQLite file in DATA_DIR)')
  const databasePoolSize = Number(env.DATABASE_POOL_SIZE ?? '10')
  if (!Number.isInteger(databasePoolSize) || databasePoolSize < 1 || databasePoolSize > 1000) throw new ConfigError(`DATABASE_POOL_SIZE must be a whole number from 1 to 1000, not "${env.DATABASE_POOL_SIZE}"`)

  const synchronous = (env.KRING_SYNCHRONOUS ?? 'FULL').toUpperCase()
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') throw new ConfigError('KRING_SYNCHRONOUS must be FULL or NORMAL')

  return {
    port,
    host,
    dataDir: path.resolve(env.DATA_DIR ?? './data'),
    databaseUrl,
    databasePoolSize,
    uploadsDir: env.UPLOADS_DIR ? path.resolve(env.UPLOADS_DIR) : null,
    baseUrl,
    demo: env.KRING_DEMO !== '0',
    locale,
    smtpUrl: env.SMTP_URL || null,
    mailFrom: env.MAIL_FROM || `Kring <noreply@${parsed.hostname}>`,
    mailReplyAddress: replyAddress(env.MAIL_REPLY_ADDRESS),
    inboundSmtpPort: env.INBOUND_SMTP_PORT ? portNumber(env.INBOUND_SMTP_PORT, 'INBOUND_SMTP_PORT') : null,
    trustProxy: env.TRUST_PROXY === '1' || env.TRUST_PROXY === 'true',
    synchronous,
    passwordCost: 17,
    logLevel: env.LOG_LEVEL ?? 'info',
    renderTimeLimitMs: 1500,
    ...overrides
  }
}

export function uploadsDirectory (config: Pick<Config, 'dataDir' | 'uploadsDir'>): string {
  return config.uploadsDir ?? path.join(config.dataDir, 'uploads')
}

/** Files attached to posts (with their thumbnails), under UPLOADS_DIR. */
export function filesDirectory (config: Pick<Config, 'dataDir' | 'uploadsDir'>): string {
  return path.join(uploadsDirectory(config), 'files')
}

/** Members' avatars, under UPLOADS_DIR. */
export function avatarsDirectory (config: Pick<Config, 'dataDir' | 'uploadsDir'>): string {
  return path.join(uploadsDirectory(config), 'avatars')
}

export function databaseFile (config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'kring.sqlite')
}
