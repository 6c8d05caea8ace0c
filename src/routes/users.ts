import type { FastifyInstance } from 'fastify'
import { HttpError, loggedInMember, notFound } from '../plugins/errors.js'
import { can } from '../permissions.js'
import { describeSuspension } from '../plugins/views.js'
import { findUserByUsername, isMuted, listModeratedForumIds, ROLES, setMuted } from '../models/users.js'
import { formSchema } from '../lib/validation.js'
import { countPostsByUser, listRecentPostsByUser } from '../models/posts.js'
import { countLikesReceived } from '../models/likes.js'
import { listForumsFlat, type ForumChoice } from '../models/forums.js'
import { diskUsageOf } from '../models/uploads.js'

export default async function userRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Params: { username: string } }>('/user/:username', {
    schema: { params: { type: 'object', properties: { username: { type: 'string' } }, required: ['username'] } }
  }, async (request, reply) => {
    const user = await findUserByUsername(app.db, request.params.username)
    // An erased member's row only keeps their posts' authorship: there is no one to show.
    if (!user || user.erased_at !== null) throw notFound()
    const viewer = request.viewer
    const roles = ROLES.filter(role => can(viewer, { do: 'member.role', member: user, role }).ok)
    let forums: Array<ForumChoice & { chosen: boolean }> | null = null
    if (user.role === 'moderator' && can(viewer, { do: 'site.administer' }).ok) {
      const limited = await listModeratedForumIds(app.db, user.id) ?? []
      forums = (await listForumsFlat(app.db, 'all')).map(f => ({ ...f, chosen: limited.includes(f.id) }))
    }
    const tools = {
      suspend: can(viewer, { do: 'member.suspend', member: user }).ok,
      roles: roles.length > 1 ? roles : null,
      forums
    }
    // The profile itself is for members, unless the beheerder made profiles public; a guest sees a name and a role.
    const profileShown = viewer !== null || app.settings.profiles_public > 0
    const choiceName = async (id: number | null): Promise<string | null> => id === null ? null
      : (await app.db.selectFrom('profile_choices').select('name').where('id', '=', id).executeTakeFirst())?.name ?? null
    return reply.page('users/show', {
      title: user.display_name || user.username,
      member: { username: user.username, display_name: user.display_name, role: user.role, expert_label: user.expert_label, created_at: user.created_at, post_count: await countPostsByUser(app.db, viewer?.id ?? null, user.id), likes_received: await countLikesReceived(app.db, viewer?.id ?? null, user.id) },
      profile: profileShown
        ? { organisation: user.organisation, job_title: user.job_title, website: user.website, bio_html: user.bio_html, avatar: user.avatar, region: await choiceName(user.region_id), sector: await choiceName(user.sector_id) }
        : null,
      ownProfile: viewer?.id === user.id,
      expertTool: can(viewer, { do: 'site.administer' }).ok,
      diskUsage: can(viewer, { do: 'site.administer' }).ok ? await diskUsageOf(app.db, user.id) : null,
      suspended: describeSuspension(user, request.i18n),
      posts: await listRecentPostsByUser(app.db, request.viewer?.id ?? null, user.id, 10),
      tools: tools.suspend || tools.roles || tools.forums ? tools : null,
      mute: viewer === null || viewer.id === user.id ? null : { muted: await isMuted(app.db, viewer.id, user.id) }
    })
  })

  app.post<{ Params: { username: string }, Body: { muted?: string } }>('/user/:username/mute', {
    schema: { params: { type: 'object', properties: { username: { type: 'string' } }, required: ['username'] }, body: formSchema(['muted']) }
  }, async (request, reply) => {
    const user = await findUserByUsername(app.db, request.params.username)
    if (!user) throw notFound()
    loggedInMember(request)
    if (request.viewer!.id === user.id) throw new HttpError(400, 'refusal.not_yourself')
    const muted = request.body.muted === '1'
    await setMuted(app.db, request.viewer!.id, user.id, muted)
    return reply.done(`/user/${encodeURIComponent(user.username)}`, muted ? 'flash.member_muted' : 'flash.member_unmuted', { name: user.username })
  })
}
