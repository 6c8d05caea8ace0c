/**
 * Malicious and malformed inputs for test/security/malicious-inputs*.test.ts.
 *
 * VALUES go into one form field (url-encoded the way a browser would) or into a path
 * parameter. RAW inputs are body fragments sent byte for byte, with `{f}` standing for the
 * field under test, for what a browser would never send: invalid percent-encoding, repeated
 * and bracketed keys, oversized bodies. Each RAW input also has a path form.
 */

export const MIB = 1024 * 1024

export const VALUES: ReadonlyArray<readonly [name: string, value: string]> = [
  // SQL injection
  ['sql: or 1=1', "' OR 1=1 --"],
  ['sql: or 1=1 in double quotes', '" OR "1"="1'],
  ['sql: drop table', '"; DROP TABLE posts; --'],
  ["sql: drop table after a quote", "x'); DROP TABLE users; --"],
  ['sql: union select', "' UNION SELECT username, password_hash FROM users --"],
  ['sql: union select numbers', '1 UNION SELECT 1,2,3,4,5,6,7,8,9,10'],
  ['sql: stacked update', "1; UPDATE users SET role='beheerder' --"],
  ['sql: sleep', "1' AND sleep(5) --"],
  ['sql: sqlite_master', "' UNION SELECT sql FROM sqlite_master --"],
  ['sql: attach database', "'; ATTACH DATABASE '/tmp/x.db' AS x; --"],
  ['sql: comment', '/**/OR/**/1=1'],
  ['sql: like wildcard', '%_%'],
  // NUL, control characters and broken Unicode
  ['NUL byte', 'a\u0000b'],
  ['only NUL bytes', '\u0000\u0000\u0000\u0000'],
  ['control characters', '\u0001\u0002\u0007\u0008\u001b[31mred\u001b[0m\u007f'],
  ['C1 controls', '\u0085\u0090\u009b\u009f'],
  ['lone high surrogate', '\ud800'],
  ['lone low surrogate', 'abc\udc00def'],
  ['reversed surrogate pair', '\udc00\ud800'],
  ['BOM and noncharacters', '\ufeff\ufffe\uffff'],
  ['replacement characters', '\ufffd\ufffd\ufffd'],
  // Unicode tricks
  ['RTL override', 'jan\u202egnp.exe'],
  ['zero-width characters', 'ja\u200bn\u200c\u200d\u2060'],
  ['Cyrillic homoglyphs', 'јаn раul аdmin'],
  ['fullwidth letters', 'ｊａｎ ａｄｍｉｎ'],
  ['combining marks (zalgo)', 'z' + '\u0301\u0302\u0303\u0304'.repeat(200)],
  ['emoji with ZWJ sequences', '👩‍👩‍👧‍👦🏳️‍🌈🇳🇱 '.repeat(20)],
  ['astral plane', '𝕬𝖉𝖒𝖎𝖓 𓀀 𠜎'],
  ['ligatures and compatibility forms', 'ﬁ ﬂ ㎏ ℌ ①'],
  // Whitespace and emptiness
  ['empty', ''],
  ['only spaces', '     '],
  ['only line breaks and tabs', '\r\n\t\r\n\t'],
  ['unicode spaces', '\u00a0\u2000\u2003\u3000'],
  // Sizes
  ['just over the body limit', 'a'.repeat(60_001)],
  ['100k brackets', '['.repeat(100_000)],
  ['200k characters', 'x'.repeat(200_000)],
  ['long word', 'a'.repeat(5_000)],
  // Paths, URLs and headers
  ['path traversal', '../../etc/passwd'],
  ['encoded path traversal', '..%2f..%2f..%2fetc%2fpasswd'],
  ['windows path', '..\\..\\windows\\win.ini'],
  ['file url', 'file:///etc/passwd'],
  ['protocol-relative url', '//evil.example/'],
  ['backslash url', '/\\evil.example'],
  ['javascript url', 'javascript:alert(1)'],
  ['CRLF header injection', 'x\r\nSet-Cookie: x=1\r\nLocation: https://evil.example'],
  ['encoded CRLF', '%0d%0aSet-Cookie:x=1'],
  // Template, prototype and format injection
  ['handlebars: constructor', "{{constructor.constructor('alert(1)')()}}"],
  ['handlebars: triple stash', '{{{body}}}{{> layouts/main}}'],
  ['handlebars: lookup', '{{#with "s" as |string|}}{{lookup string "constructor"}}{{/with}}'],
  ['template literal', '${process.exit(1)}'],
  ['server-side include', '<!--#exec cmd="ls" -->'],
  ['format string', '%s%s%s%n%x%d'],
  ['__proto__ as a value', '__proto__'],
  ['constructor as a value', 'constructor'],
  ['an inherited method name', 'toString'],
  ['hasOwnProperty as a value', 'hasOwnProperty'],
  ['json', '{"__proto__":{"role":"beheerder"},"role":"beheerder"}'],
  // Numbers where strings are expected
  ['zero', '0'],
  ['negative', '-1'],
  ['huge number', '99999999999999999999999999'],
  ['float', '1.5e308'],
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
  ['hex', '0x1f'],
  ['boolean', 'true'],
  ['null', 'null'],
  // Values of the fields themselves, misused
  ['a role name', 'beheerder'],
  ['a moderation action in another field', 'lock'],
  ['a date far away', '9999-99-99'],
  // XSS
  ['script tag', '<script>alert(1)</script>'],
  ['img onerror', '"><img src=x onerror=alert(1)>'],
  ['svg onload', '<svg/onload=alert(1)>'],
  ['attribute breakout', "' autofocus onfocus='alert(1)"],
  ['textarea breakout', '</textarea><script>alert(1)</script>'],
  ['markdown javascript link', '[x](javascript:alert(1))'],
  ['polyglot', 'jaVasCript:/*-/*`/*\\`/*\'/*"/**/(/* */oNcliCk=alert() )//%0D%0A%0d%0a//</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=alert()//>\\x3e']
]

export interface RawInput {
  name: string
  /** The body fragment for field `f`. */
  body: (f: string) => string
  /** The same idea as a raw path segment. */
  path: string
}

export const RAW: readonly RawInput[] = [
  { name: 'invalid UTF-8 %C3%28', body: f => `${f}=%C3%28`, path: '%C3%28' },
  { name: 'invalid UTF-8 %ff%fe', body: f => `${f}=%ff%fe`, path: '%ff%fe' },
  { name: 'overlong UTF-8 slash', body: f => `${f}=%C0%AF..%C0%AF`, path: '%C0%AF..%C0%AF' },
  { name: 'encoded lone surrogate', body: f => `${f}=%ED%A0%80`, path: '%ED%A0%80' },
  { name: 'truncated percent escape', body: f => `${f}=abc%`, path: 'abc%' },
  { name: 'non-hex percent escape', body: f => `${f}=%zz%G0`, path: '%zz' },
  { name: 'raw NUL', body: f => `${f}=a%00b`, path: 'a%00b' },
  { name: 'raw CRLF', body: f => `${f}=%0d%0aSet-Cookie:x=1`, path: '%0d%0aSet-Cookie:x=1' },
  { name: 'double encoding', body: f => `${f}=%253Cscript%253E`, path: '%253Cscript%253E' },
  { name: 'repeated field', body: f => `${f}=a&${f}=b`, path: 'a&b' },
  { name: 'field repeated 1000 times', body: f => Array.from({ length: 1000 }, (_, i) => `${f}=${i}`).join('&'), path: '1,2,3' },
  { name: 'array brackets', body: f => `${f}[]=x&${f}[]=y`, path: '%5B%5D' },
  { name: 'object brackets', body: f => `${f}[a]=b&${f}[__proto__][role]=beheerder`, path: '%5Ba%5D' },
  { name: '__proto__ keys', body: f => `__proto__[role]=beheerder&__proto__=x&${f}=y`, path: '__proto__' },
  { name: 'constructor prototype keys', body: f => `constructor[prototype][admin]=1&constructor=x&${f}=y`, path: 'constructor' },
  { name: 'inherited names as keys', body: f => `hasOwnProperty=1&toString=2&valueOf=3&${f}=y`, path: 'hasOwnProperty' },
  { name: 'role and id fields smuggled in', body: f => `role=beheerder&is_admin=1&id=1&author_id=1&user_id=1&${f}=y`, path: 'role' },
  { name: 'empty and bare keys', body: f => `=x&&&${f}&=&`, path: '' },
  { name: 'semicolon separators', body: f => `${f}=a;${f}=b;role=beheerder`, path: 'a;b' },
  { name: '5000 unknown fields', body: f => `${Array.from({ length: 5000 }, (_, i) => `k${i}=v`).join('&')}&${f}=y`, path: 'k0' },
  { name: '1 MiB + 1 byte', body: f => `${f}=${'a'.repeat(MIB + 1)}`, path: 'a'.repeat(4096) }
]

/** Strings that must never reach a page: traces, SQL engine messages, file paths. */
export const LEAKS = ['at async', 'SQLITE', 'SqliteError', 'no such table', 'no such column', 'syntax error', 'node_modules', '/work/', 'TypeError', 'RangeError', 'ReferenceError', '.ts:', '.js:']

/** Leaks in a response body, ignoring any that the input itself contained (forms show what was typed). */
export function leaksIn (body: string, input: string): string[] {
  const found = LEAKS.filter(leak => body.includes(leak) && !input.includes(leak))
  if (/\n\s+at [^\n]+:\d+:\d+/.test(body)) found.push('stack frame')
  return found
}

/** A path segment for a value: percent-encoded, or as raw UTF-8 bytes where the value is not well-formed. */
export function pathSegment (value: string): string {
  const short = value.length > 4096 ? value.slice(0, 4096) : value
  try {
    return encodeURIComponent(short)
  } catch {
    return [...short].map(ch => /[\ud800-\udfff]/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch)).join('')
  }
}
