import path from 'node:path'
import { promises as fs } from 'node:fs'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ensure, notFound } from '../plugins/errors.js'
import { can, loginFirst } from '../permissions.js'
import { avatarsDirectory } from '../config.js'
import { AVATAR_FILE, AvatarError, removeAvatar, storeAvatar } from '../lib/avatars.js'
import { acceptFiles, isUpload } from '../lib/uploads.js'
import { isDisplayNameTaken, listChoices, saveProfile, setAvatar, type Choice } from '../models/profiles.js'
import { isPlainName } from '../lib/validation.js'
import type { User } from '../db/schema.js'

/** The profile's fields, their limits, and how each is checked. */
const TEXT_LIMITS = { display_name: 60, organisation: 100, job_title: 100, website: 200, bio: 2000 } as const
type ProfileForm = Partial<Record<keyof typeof TEXT_LIMITS | 'region' | 'sector' | 'remove_avatar', string>> & { avatar?: unknown }

/** A website is an http(s) address, nothing else (no `javascript:`, no `data:`). */
function checkWebsite (text: string): string | null {
  if (text === '') return null
  try {
    const url = new URL(text)
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '' ? null : 'profile.website_invalid'
  } catch {
    return 'profile.website_invalid'
  }
}

function chosen (value: string | undefined, choices: Choice[]): number | null | undefined {
  if (value === undefined || value === '') return null
  return choices.find(choice => String(choice.id) === value)?.id
}

/** `GET/POST /account/profile` (with the avatar, a multipart form) and `GET /avatars/:file`. */
export default async function profileRoutes (app: FastifyInstance): Promise<void> {
  const avatarDir = avatarsDirectory(app.config)

  async function profileForm (request: FastifyRequest, reply: FastifyReply, member: User, values: Record<string, unknown>, errors: Record<string, string> = {}, status = 200): Promise<FastifyReply> {
    return reply.page('accounts/profile', {
      title: request.i18n.t('profile.edit'),
      member,
      values,
      errors,
      regions: await listChoices(app.db, 'region'),
      sectors: await listChoices(app.db, 'sector')
    }, status)
  }

  app.get('/account/profile', async (request, reply) => {
    if (request.viewer === null) ensure(loginFirst)
    const member = request.viewer!
    return profileForm(request, reply, member, {
      display_name: member.display_name, organisation: member.organisation, job_title: member.job_title, website: member.website,
      bio: member.bio_md, region: member.region_id === null ? '' : String(member.region_id), sector: member.sector_id === null ? '' : String(member.sector_id)
    })
  })

  const textField = { type: 'string' }
  // This form may carry files: multipart is parsed in this scope alone, so no other route takes it or pays for its hooks.
  await app.register(async files => {
    await acceptFiles(files)
    files.post<{ Body: ProfileForm }>('/account/profile', {
      schema: {
        body: {
          type: 'object',
          properties: { _csrf: textField, display_name: textField, organisation: textField, job_title: textField, website: textField, bio: textField, region: textField, sector: textField, remove_avatar: textField, avatar: {} },
          additionalProperties: false
        }
      }
    }, async (request, reply) => {
      ensure(can(request.viewer, { do: 'profile.edit' }))
      const member = request.viewer!
      const body = request.body
      const text = (key: keyof typeof TEXT_LIMITS): string => (body[key] ?? '').trim()
      const values = { display_name: text('display_name'), organisation: text('organisation'), job_title: text('job_title'), website: text('website'), bio: body.bio ?? '', region: body.region ?? '', sector: body.sector ?? '' }
      const errors: Record<string, string> = {}
      for (const key of Object.keys(TEXT_LIMITS) as Array<keyof typeof TEXT_LIMITS>) {
        if ([...(key === 'bio' ? values.bio : values[key])].length > TEXT_LIMITS[key]) errors[key] = 'profile.too_long'
      }
      // Names are plain text: no markup, no control or direction-changing characters.
      for (const key of ['display_name', 'organisation', 'job_title'] as const) {
        if (!isPlainName(values[key])) errors[key] ??= 'profile.plain_text'
      }
      if (values.display_name.normalize('NFKC').toLowerCase() !== member.username_key && await isDisplayNameTaken(app.db, values.display_name, member.id)) {
        errors.display_name ??= 'profile.name_taken'
      }
      const websiteError = checkWebsite(values.website)
      if (websiteError !== null) errors.website ??= websiteError
      const regionId = chosen(body.region, await listChoices(app.db, 'region'))
      const sectorId = chosen(body.sector, await listChoices(app.db, 'sector'))
      if (regionId === undefined) errors.region = 'settings.unknown_choice'
      if (sectorId === undefined) errors.sector = 'settings.unknown_choice'
      const upload = isUpload(body.avatar) && body.avatar.data.length + body.avatar.filename.length > 0 ? body.avatar : null
      if (upload?.truncated === true) errors.avatar = 'profile.avatar_too_large'
      if (Object.keys(errors).length > 0) return profileForm(request, reply, member, values, errors, 400)

      let bioHtml = ''
      if (values.bio.trim() !== '') {
        const rendered = await app.renderBody(values.bio, { id: member.id, trusted: can(member, { do: 'site.administer' }).ok })
        if (!rendered.ok) return profileForm(request, reply, member, values, { bio: rendered.error }, rendered.status)
        bioHtml = rendered.html
      }
      let avatar = member.avatar
      if (upload !== null) {
        try {
          avatar = await storeAvatar(avatarDir, upload.data)
        } catch (error) {
          if (!(error instanceof AvatarError)) throw error
          return profileForm(request, reply, member, values, { avatar: error.message }, 400)
        }
      } else if (body.remove_avatar === '1') avatar = null
      await saveProfile(app.db, member.id, {
        display_name: values.display_name, organisation: values.organisation, job_title: values.job_title, website: values.website,
        bio_md: values.bio, bio_html: bioHtml, region_id: regionId ?? null, sector_id: sectorId ?? null
      })
      if (avatar !== member.avatar) {
        await setAvatar(app.db, member.id, avatar)
        await removeAvatar(avatarDir, member.avatar)
      }
      return reply.done(`/user/${encodeURIComponent(member.username)}`, 'flash.profile_saved')
    })
  })

  // Avatars are part of the profile: for members, or for everyone when profiles are public.
  app.get<{ Params: { file: string } }>('/avatars/:file', { schema: { params: { type: 'object', properties: { file: { type: 'string' } }, required: ['file'] } } }, async (request, reply) => {
    if (!AVATAR_FILE.test(request.params.file)) throw notFound()
    if (request.viewer === null && app.settings.profiles_public === 0) throw notFound()
    // Only the avatar someone has now: a replaced one is gone.
    const owner = await app.db.selectFrom('users').select('id').where('avatar', '=', request.params.file).executeTakeFirst()
    if (!owner) throw notFound()
    const data = await fs.readFile(path.join(avatarDir, request.params.file)).catch(() => null)
    if (data === null) throw notFound()
    return reply.type('image/webp').header('cache-control', 'private, max-age=86400').header('content-security-policy', "default-src 'none'").send(data)
  })
}
