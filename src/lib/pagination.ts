export interface Page {
  number: number
  perPage: number
  total: number
  pageCount: number
  /** 1-based index of the first and last item on this page. */
  first: number
  last: number
}

/** Returns null for a page past the end; page 1 of an empty list exists. */
export function paginate (pageNumber: number, perPage: number, total: number): Page | null {
  const pageCount = Math.max(1, Math.ceil(total / perPage))
  if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > pageCount) return null
  const first = Math.min(total, (pageNumber - 1) * perPage + 1)
  const last = Math.min(total, pageNumber * perPage)
  return { number: pageNumber, perPage, total, pageCount, first, last }
}

export function pageOfPosition (position: number, perPage: number): number {
  return Math.max(1, Math.ceil(position / perPage))
}

export interface PageLink { number: number, href: string, current: boolean, gap: boolean }

/** Page numbers to show: first, last, and two either side of the current page, with gaps between. */
export function pageLinks (page: Page, hrefFor: (n: number) => string): PageLink[] {
  const wanted = new Set([1, page.pageCount])
  for (let n = page.number - 2; n <= page.number + 2; n++) if (n >= 1 && n <= page.pageCount) wanted.add(n)
  const numbers = [...wanted].sort((a, b) => a - b)
  const links: PageLink[] = []
  numbers.forEach((n, i) => {
    if (i > 0 && n - numbers[i - 1] > 1) links.push({ number: 0, href: '', current: false, gap: true })
    links.push({ number: n, href: hrefFor(n), current: n === page.number, gap: false })
  })
  return links
}

/** Parses a :n route param: only plain positive integers count. */
export function parsePageParam (value: string | undefined): number | null {
  if (value === undefined) return 1
  return /^[1-9][0-9]{0,8}$/.test(value) ? Number(value) : null
}
