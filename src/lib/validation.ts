/** The SPEC's input rules, each in one place. Each returns a locale key for the error, or null. */

export const LIMITS = {
  titleMin: 3,
  titleMax: 150,
  bodyMax: 60_000,
  usernameMin: 3,
  usernameMax: 30,
  passwordMin: 12,
  passwordMax: 200,
  emailMax: 254
}

export type FieldErrors = Record<string, string>

export function checkTitle (title: string): string | null {
  const length = [...title.trim()].length
  if (length < LIMITS.titleMin) return 'form.title_too_short'
  if (length > LIMITS.titleMax) return 'form.title_too_long'
  return null
}

export function checkBody (body: string): string | null {
  if (body.trim().length === 0) return 'form.body_empty'
  if ([...body].length > LIMITS.bodyMax) return 'form.body_too_long'
  return null
}

/** Names shown beside a member (display name, organisation, expert label): no markup, control or direction-changing characters. */
export function isPlainName (text: string): boolean {
  return !/[<>\p{Cc}\u202a-\u202e\u2066-\u2069]/u.test(text)
}

export function checkUsername (username: string): string | null {
  const length = username.length
  if (length < LIMITS.usernameMin || length > LIMITS.usernameMax) return 'form.username_length'
  if (!/^[A-Za-z0-9_.-]+$/.test(username)) return 'form.username_chars'
  return null
}

export function checkEmail (email: string): string | null {
  if (email.length > LIMITS.emailMax || !/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(email)) return 'form.email_invalid'
  return null
}

/** A moderator's or reporter's reason: optional, short. */
export function checkReason (reason: string): string | null {
  return [...reason].length > 500 ? 'form.reason_too_long' : null
}

export function checkPassword (password: string): string | null {
  const length = [...password].length
  if (length < LIMITS.passwordMin) return 'form.password_too_short'
  if (length > LIMITS.passwordMax) return 'form.password_too_long'
  return null
}

/** Collects the errors of several checks into field → locale key. */
export function collectErrors (checks: Record<string, string | null>): FieldErrors | null {
  const errors: FieldErrors = {}
  for (const [field, error] of Object.entries(checks)) if (error !== null) errors[field] = error
  return Object.keys(errors).length > 0 ? errors : null
}

/**
 * A form body schema: the listed text fields, fields that may repeat (checkboxes, multiple
 * selects), and the CSRF token; anything else is dropped.
 */
export function formSchema (fields: string[], repeatable: string[] = []): object {
  const properties: Record<string, object> = { _csrf: { type: 'string' } }
  for (const field of fields) properties[field] = { type: 'string' }
  for (const field of repeatable) {
    properties[field] = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, maxItems: 1000 }] }
  }
  return { type: 'object', properties, additionalProperties: false }
}

export const slugParams = {
  type: 'object',
  properties: { slug: { type: 'string' }, n: { type: 'string' } },
  required: ['slug']
}

export const idParams = {
  type: 'object',
  properties: { id: { type: 'string' } },
  required: ['id']
}

/** Ids are plain positive integers; anything else is not found. */
export function parseId (value: string): number | null {
  return /^[1-9][0-9]{0,15}$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : null
}
