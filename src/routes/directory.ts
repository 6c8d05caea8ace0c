import type { FastifyInstance } from 'fastify'
import { ensure, notFound } from '../plugins/errors.js'
import { loginFirst } from '../permissions.js'
import { ROLES } from '../models/users.js'
import { countDirectory, listChoices, listDirectory, type DirectoryFilter } from '../models/profiles.js'
import { pageLinks, paginate, parsePageParam } from '../lib/pagination.js'
import type { Role } from '../db/schema.js'

const PER_PAGE = 30
type Query = { q?: string, region?: string, sector?: string, role?: string, expert?: string, page?: string }

/** `GET /leden`: the member directory, for members only; searchable by name and organisation, filtered by region, sector, role and expert. */
export default async function directoryRoutes (app: FastifyInstance): Promise<void> {
  const text = { type: 'string' }
  app.get<{ Querystring: Query }>('/leden', {
    schema: { querystring: { type: 'object', properties: { q: text, region: text, sector: text, role: text, expert: text, page: text } } }
  }, async (request, reply) => {
    if (request.viewer === null) ensure(loginFirst)
    const number = parsePageParam(request.query.page)
    if (number === null) throw notFound()
    const [regions, sectors] = [await listChoices(app.db, 'region'), await listChoices(app.db, 'sector')]
    const idOf = (value: string | undefined, list: Array<{ id: number }>): number | null => list.find(item => String(item.id) === value)?.id ?? null
    const filter: DirectoryFilter = {
      text: (request.query.q ?? '').slice(0, 100),
      regionId: idOf(request.query.region, regions),
      sectorId: idOf(request.query.sector, sectors),
      role: (ROLES as readonly string[]).includes(request.query.role ?? '') ? request.query.role as Role : null,
      expertsOnly: request.query.expert === '1'
    }
    const total = await countDirectory(app.db, filter)
    const page = paginate(number, PER_PAGE, total)
    if (!page && number > 1) throw notFound()
    const members = total === 0 ? [] : await listDirectory(app.db, filter, { offset: (number - 1) * PER_PAGE, limit: PER_PAGE })
    const params = (n: number): string => {
      const kept = Object.entries({ q: filter.text, region: request.query.region, sector: request.query.sector, role: filter.role, expert: filter.expertsOnly ? '1' : '' })
        .filter(([, value]) => value !== undefined && value !== null && value !== '') as Array<[string, string]>
      return `/leden?${new URLSearchParams([...kept, ...(n > 1 ? [['page', String(n)]] : [])])}`
    }
    return reply.page('users/directory', {
      title: request.i18n.t('directory.title'),
      members,
      count: request.i18n.t('directory.count', { count: total }),
      filter: { q: filter.text, region: request.query.region ?? '', sector: request.query.sector ?? '', role: filter.role ?? '', expert: filter.expertsOnly },
      regions, sectors, roles: ROLES,
      pageLinks: page && page.pageCount > 1 ? pageLinks(page, params) : []
    })
  })
}
