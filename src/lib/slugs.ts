// Letters that Unicode decomposition does not reduce to ASCII.
const SPECIAL: Record<string, string> = {
  ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i', ĳ: 'ij'
}

const MAX_SLUG_LENGTH = 80

/** "Één vraag over cao's & verlof" → "een-vraag-over-cao-s-verlof" */
export function slugify (text: string, fallback = 'onderwerp'): string {
  const ascii = text
    .toLowerCase()
    .replace(/[ßæœøłđðþıĳ]/g, ch => SPECIAL[ch] ?? ch)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
  const slug = ascii
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/^-+|-+$/g, '')
  return slug || fallback
}

/** Appends -2, -3, … until `isTaken` says no. */
export async function uniqueSlug (base: string, isTaken: (slug: string) => Promise<boolean>): Promise<string> {
  let candidate = base
  for (let n = 2; await isTaken(candidate); n++) candidate = `${base}-${n}`
  return candidate
}
