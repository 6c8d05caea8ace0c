import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, loggedIn, textOfClass, Visitor } from '../helper.js'
import { makeForum, makeMember, makeTopic } from '../factories.js'
import { smtpSink } from '../mail/smtp-sink.js'
import { addMember, createGroup, setForumGroup } from '../../src/models/groups.js'
import { setModeratedForums, suspendUser } from '../../src/models/users.js'
import { digestLines } from '../../src/notifications/digests.js'
import { receiveMail } from '../../src/mail/inbound.js'

/**
 * Private means private everywhere: one sweep over every surface that could tell an outsider
 * anything about a private forum (its name, a title, a word of a post, a count), as a guest,
 * a member of no group, a member of another group and a suspended member of the group itself.
 * Members of the group and moderators see it all, so every check here can fail.
 */

const SECRET_FORUM = 'Noord intern'
const SECRET_TITLE = 'Reorganisatie Zwanenburg'
const SECRET_WORD = 'vertrouwelijkheidsclausule'
const PUBLIC_TITLE = 'Openbare vraag over verlof'

async function setup (t: Test) {
  const smtp = await smtpSink(t)
  const app = await buildTestApp(t, { smtpUrl: smtp.url, baseUrl: 'https://forum.example.org', mailReplyAddress: 'reply+%{key}@forum.example.org' })
  app.settings.mail_delay_minutes = 0
  const noord = await createGroup(app.db, { name: 'Regio Noord', joining: 'closed' })
  const zuid = await createGroup(app.db, { name: 'Regio Zuid', joining: 'open' })
  const open = await makeForum(app, 'Algemeen')
  const secret = await makeForum(app, SECRET_FORUM)
  await setForumGroup(app.db, secret.id, noord.id, true)
  // A public subforum of the private one: its pages must not name its parent.
  const child = await makeForum(app, 'Noord openbaar', secret.slug)
  const insider = await makeMember(app, 'insider', 'bijdrager')
  await makeMember(app, 'outsider')
  const southerner = await makeMember(app, 'southerner')
  const suspended = await makeMember(app, 'suspended')
  await makeMember(app, 'moderator', 'moderator')
  await addMember(app.db, noord.id, insider.id)
  await addMember(app.db, noord.id, suspended.id)
  await addMember(app.db, zuid.id, southerner.id)
  await suspendUser(app.db, suspended.id, Date.now() + 7 * 24 * 3600_000, 'even pauze')
  // Everyone who may wants every mail; the outsiders follow what they can and are mentioned.
  await app.db.updateTable('users').set({ email_mode: 'mailing_list' }).where('username', 'in', ['outsider', 'southerner']).execute()
  await app.db.updateTable('users').set({ email_mode: 'immediately', email_confirmed_at: Date.now() }).where('username', 'not in', ['outsider', 'southerner']).execute()
  await app.db.updateTable('users').set({ email_confirmed_at: Date.now() }).execute()
  const publicTopic = await makeTopic(app, { forumId: open.id, author: insider, title: PUBLIC_TITLE })
  const childTopic = await makeTopic(app, { forumId: child.id, author: insider, title: 'Openbaar in het noorden' })
  const insiderVisitor = await loggedIn(app, 'insider')
  const created = await insiderVisitor.submit(`/forum/${secret.slug}/new`, `/forum/${secret.slug}/new`, {
    title: SECRET_TITLE, body: `De ${SECRET_WORD} geldt, @outsider en @southerner weten van niets.`
  })
  t.equal(created.statusCode, 303, 'the insider starts a topic in the private forum')
  const slug = String(created.headers.location).split('/topic/')[1]
  const reply = await insiderVisitor.submitMultipart(`/topic/${slug}`, `/topic/${slug}/reply`, { body: `Nog meer over de ${SECRET_WORD}.` },
    [{ field: 'files', filename: 'reorganisatieplan.txt', type: 'text/plain', data: Buffer.from(`Het ${SECRET_WORD}-plan.`) }])
  t.equal(reply.statusCode, 303)
  const fileId = (await app.db.selectFrom('uploads').select('id').executeTakeFirstOrThrow()).id
  const postIds = (await app.db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id').select('posts.id')
    .where('topics.slug', '=', slug).orderBy('posts.id').execute()).map(row => row.id)
  await app.notifier.flush()
  await app.mailer.flush()
  return { app, smtp, secret, slug, postIds, publicTopic, child, childTopic, fileId }
}

/** Every page a reader can ask for, and whether it may mention the private forum at all. */
type Surface = { url: string, absent: true } | { url: string, status: 404 } | { url: string, nothingFound: true }
function surfaces (secretSlug: string, topicSlug: string, postIds: number[], profile: string, publicChild: { forum: string, topic: string }, fileId: number): Surface[] {
  return [
    { url: `/files/${fileId}/reorganisatieplan.txt`, status: 404 },
    { url: `/forum/${secretSlug}/documents`, status: 404 },
    { url: `/forum/${publicChild.forum}`, absent: true },
    { url: `/topic/${publicChild.topic}`, absent: true },
    { url: '/', absent: true },
    { url: '/latest', absent: true },
    { url: '/feed', absent: true },
    // The search page repeats what was typed: there, nothing may be found.
    { url: `/search?q=${SECRET_WORD}`, nothingFound: true },
    { url: `/search?q=${encodeURIComponent(SECRET_TITLE)}`, nothingFound: true },
    { url: `/search?q=${encodeURIComponent(`${SECRET_WORD} in:${secretSlug}`)}`, nothingFound: true },
    { url: `/user/${profile}`, absent: true },
    { url: `/forum/${secretSlug}`, status: 404 },
    { url: `/forum/${secretSlug}/page/1`, status: 404 },
    { url: `/forum/${secretSlug}/new`, status: 404 },
    { url: `/forum/${secretSlug}/feed`, status: 404 },
    { url: `/topic/${topicSlug}`, status: 404 },
    { url: `/topic/${topicSlug}/page/1`, status: 404 },
    { url: `/topic/${topicSlug}/feed`, status: 404 },
    { url: `/topic/${topicSlug}/unread`, status: 404 },
    ...postIds.flatMap(id => [{ url: `/post/${id}`, status: 404 as const }, { url: `/post/${id}/edit`, status: 404 as const }])
  ]
}

function leaks (body: string, forumSlug: string): string[] {
  return [SECRET_FORUM, SECRET_TITLE, SECRET_WORD, `/forum/${forumSlug}`].filter(secret => body.includes(secret))
}

async function sweep (t: Test, app: FastifyInstance, who: string, visitor: Visitor, ctx: { secret: { slug: string }, slug: string, postIds: number[], child: { slug: string }, childTopic: { topic: { slug: string } }, fileId: number }) {
  for (const surface of surfaces(ctx.secret.slug, ctx.slug, ctx.postIds, 'insider', { forum: ctx.child.slug, topic: ctx.childTopic.topic.slug }, ctx.fileId)) {
    const page = await visitor.get(surface.url)
    if ('status' in surface) t.equal(page.statusCode, 404, `${who}: ${surface.url} is not found`)
    else if ('nothingFound' in surface) t.match(page.body, 'Niets gevonden.', `${who}: ${surface.url} finds nothing`)
    else t.same(leaks(page.body, ctx.secret.slug), [], `${who}: ${surface.url} says nothing of it`)
  }
  const profile = await visitor.get('/user/insider')
  t.equal(textOfClass(profile.body, 'profile-posts'), '2', `${who}: the profile counts only the posts they may read`)
  if (who !== 'guest') {
    t.same(leaks((await visitor.get('/unread')).body, ctx.secret.slug), [], `${who}: /unread says nothing of it`)
    t.same(leaks((await visitor.get('/notifications')).body, ctx.secret.slug), [], `${who}: nor do the notifications`)
    for (const [url, body] of [[`/topic/${ctx.slug}/reply`, { body: 'Ik doe mee' }], [`/topic/${ctx.slug}/watch`, { level: 'watching' }],
      [`/forum/${ctx.secret.slug}/new`, { title: 'Binnendringen', body: 'Hallo' }], [`/forum/${ctx.secret.slug}/watch`, { level: 'watching' }],
      [`/forum/${ctx.secret.slug}/read`, {}], [`/post/${ctx.postIds[0]}/report`, { reason: 'spam' }]] as const) {
      const answer = await visitor.submit('/', url, body)
      t.equal(answer.statusCode, 404, `${who}: POST ${url} is not found`)
    }
  }
}

t.test('a private forum is absent for a guest, a member of no group, a member of another group and a suspended member', async t => {
  const ctx = await setup(t)
  const { app, smtp } = ctx
  await sweep(t, app, 'guest', new Visitor(app), ctx)
  for (const name of ['outsider', 'southerner', 'suspended']) await sweep(t, app, name, await loggedIn(app, name), ctx)

  // Mail and notifications: mentions, the mailing list and digests tell outsiders nothing.
  for (const name of ['outsider', 'southerner']) {
    const member = await app.db.selectFrom('users').selectAll().where('username', '=', name).executeTakeFirstOrThrow()
    const notified = await app.db.selectFrom('notifications').select('id').where('user_id', '=', member.id).execute()
    t.same(notified, [], `${name}: mentioned, yet no notification`)
    t.same(smtp.received.filter(mail => mail.to?.[0].address === member.email).map(mail => mail.subject), [], `${name}: no mail (mailing list, mention)`)
    const digest = await digestLines(app.db, { ...member, email_mode: 'daily', last_digest_at: Date.now() - 24 * 3600_000 })
    t.same(JSON.stringify(digest).includes(SECRET_TITLE), false, `${name}: the digest's busiest topics leave it out`)
  }
  const outboxText = (await app.db.selectFrom('outbox').select(['to_address', 'subject', 'text_body']).execute())
    .filter(mail => !mail.to_address.startsWith('insider') && !mail.to_address.startsWith('moderator'))
  t.same(outboxText.filter(mail => leaks(`${mail.subject} ${mail.text_body}`, ctx.secret.slug).length > 0), [], 'no mail to anyone else holds it')

  // A new topic by mail to the forum's address is refused as if there were no such forum.
  const raw = Buffer.from(['From: outsider@example.org', `To: forum+${ctx.secret.slug}@forum.example.org`, 'Subject: Binnendringen',
    'Authentication-Results: mx.example.org; dmarc=pass', 'Content-Type: text/plain; charset=utf-8', '', 'Hallo daar'].join('\r\n'))
  const byMail = await receiveMail(app, raw)
  t.match(byMail, { status: 'rejected', reason: 'no such forum' }, 'mail in: no such forum')
  const insiderRaw = Buffer.from(raw.toString().replace('outsider@', 'insider@').replace('Binnendringen', 'Per mail binnen'))
  t.match(await receiveMail(app, insiderRaw), { status: 'posted' }, 'while the insider may start a topic there by mail')
})

t.test('the group\'s members and the moderators read it all, and a suspended member again once the suspension ends', async t => {
  const ctx = await setup(t)
  const { app } = ctx
  for (const name of ['insider', 'moderator']) {
    const visitor = await loggedIn(app, name)
    for (const url of ['/', '/latest', `/search?q=${SECRET_WORD}`, '/user/insider', `/forum/${ctx.secret.slug}`, `/topic/${ctx.slug}`, `/forum/${ctx.secret.slug}/documents`, `/files/${ctx.fileId}/x`]) {
      const page = await visitor.get(url)
      t.equal(page.statusCode, 200, `${name}: ${url}`)
      t.ok(leaks(page.body, ctx.secret.slug).length > 0, `${name}: ${url} shows it`)
    }
  }
  const moderatorMails = ctx.smtp.received.filter(mail => mail.to?.[0].address === 'moderator@example.org')
  t.same(moderatorMails, [], 'a moderator who follows nothing gets no mail of it either')
  await app.db.updateTable('users').set({ suspended_until: null }).where('username', '=', 'suspended').execute()
  const back = await loggedIn(app, 'suspended')
  t.equal((await back.get(`/topic/${ctx.slug}`)).statusCode, 200, 'the suspension over, the member reads it again')
})

t.test('a topic moved into a private forum goes quiet for its outside followers; moved out, it is public again', async t => {
  const ctx = await setup(t)
  const { app, smtp, publicTopic } = ctx
  const outsider = await loggedIn(app, 'outsider')
  const moderator = await loggedIn(app, 'moderator')
  const publicSlug = publicTopic.topic.slug
  t.equal((await outsider.submit(`/topic/${publicSlug}`, `/topic/${publicSlug}/watch`, { level: 'watching' })).statusCode, 303)
  t.equal((await moderator.submit(`/topic/${publicSlug}`, `/topic/${publicSlug}/moderate`, { action: 'move', forum: ctx.secret.slug })).statusCode, 303)
  const insider = await loggedIn(app, 'insider')
  t.equal((await insider.submit(`/topic/${publicSlug}`, `/topic/${publicSlug}/reply`, { body: `Binnenskamers: ${SECRET_WORD}.` })).statusCode, 303)
  await app.notifier.flush()
  await app.mailer.flush()
  t.equal((await outsider.get(`/topic/${publicSlug}`)).statusCode, 404, 'the moved topic is gone for the outsider')
  t.same(smtp.received.filter(mail => mail.to?.[0].address === 'outsider@example.org' && mail.text?.includes(SECRET_WORD)), [], 'no mail of the reply')
  t.same(leaks((await outsider.get('/notifications')).body, ctx.secret.slug), [], 'nor a notification')
  t.equal((await moderator.submit(`/topic/${publicSlug}`, `/topic/${publicSlug}/moderate`, { action: 'move', forum: 'algemeen' })).statusCode, 303)
  const back = await outsider.get(`/topic/${publicSlug}`)
  t.equal(back.statusCode, 200, 'moved out, it is public again')
  t.notMatch(back.body, SECRET_FORUM, 'its notices do not name the private forum it was in')
  t.match(back.body, 'een besloten forum')

  // A moderator limited to the public forum: the move list, a merge into a private topic and the log name nothing private.
  await makeMember(app, 'limited', 'moderator')
  const open = await app.db.selectFrom('forums').select('id').where('slug', '=', 'algemeen').executeTakeFirstOrThrow()
  await setModeratedForums(app.db, (await app.db.selectFrom('users').select('id').where('username', '=', 'limited').executeTakeFirstOrThrow()).id, [open.id])
  const limited = await loggedIn(app, 'limited')
  const page = await limited.get(`/topic/${publicSlug}`)
  t.notMatch(page.body, SECRET_FORUM, 'the move list leaves the private forum out')
  const merge = await limited.submit(`/topic/${publicSlug}`, `/topic/${publicSlug}/moderate`, { action: 'merge', target: ctx.slug })
  t.equal(merge.statusCode, 400, 'a private topic is no merge target: as unknown as a missing one')
  t.same(leaks((await limited.get('/moderation/log')).body, ctx.secret.slug), [], 'the log names no private forum or topic')
})
