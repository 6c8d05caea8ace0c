import { promises as fs } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { loggedIn, postIds } from './helper.js'
import { makeForum, makeMember } from './factories.js'
import { projectPath } from '../src/lib/paths.js'

/**
 * A forum with a bit of everything, made through the app's own forms: members, a subforum, a
 * private forum of a group, a topic with replies, a like, a hidden post, a file, an event with an answer.
 * Moving a forum (forum-archive, copy-to-postgres) must keep all of it.
 */
export async function buildForum (app: FastifyInstance) {
  await makeMember(app, 'beheer', 'beheerder')
  await makeMember(app, 'anna', 'bijdrager')
  await makeMember(app, 'piet')
  const general = await makeForum(app, 'Algemeen')
  await makeForum(app, 'Groningen', general.slug)
  const closed = await makeForum(app, 'Besloten')
  const admin = await loggedIn(app, 'beheer')
  const anna = await loggedIn(app, 'anna')
  const piet = await loggedIn(app, 'piet')
  const ok = (response: { statusCode: number, body: string }, what: string): void => {
    if (response.statusCode !== 303) throw new Error(`${what} answered ${response.statusCode}: ${response.body.slice(0, 300)}`)
  }
  ok(await admin.submit('/admin', '/admin/settings', { posts_per_page: '25' }), 'a setting')
  ok(await admin.submit('/admin', '/admin/groups', { name: 'Regio Noord', description: 'Het noorden', kind: 'closed' }), 'a group')
  ok(await admin.submit('/groups/regio-noord', '/groups/regio-noord/members', { action: 'add', username: 'anna' }), 'a group member')
  ok(await admin.submit('/admin', `/admin/forums/${closed.slug}`, { name: closed.name, description: '', parent: '', position: '3', group: 'regio-noord', visibility: 'private' }), 'a private forum')

  const started = await anna.submit(`/forum/${general.slug}/new`, `/forum/${general.slug}/new`, { title: 'Verlof bij de bibliotheek', body: 'Wie kent de **zeldzaamheidsregeling** voor verlof?' })
  ok(started, 'a topic')
  const topic = String(started.headers.location).split('/topic/')[1]
  ok(await piet.submit(`/topic/${topic}`, `/topic/${topic}/reply`, { body: 'Ja, zie artikel 4 van de cao.' }), 'a reply')
  ok(await piet.submit(`/topic/${topic}`, `/topic/${topic}/reply`, { body: 'Bel mij op 06-12345678' }), 'a reply to hide')
  const ids = postIds((await anna.get(`/topic/${topic}`)).body)
  ok(await piet.submit(`/topic/${topic}`, `/post/${ids[0]}/like`, {}), 'a like')
  ok(await admin.submit(`/topic/${topic}`, `/post/${ids[2]}/moderate`, { action: 'hide', reason: 'telefoonnummer' }), 'hiding a post')
  const pdf = await fs.readFile(projectPath('test', 'fixtures', 'uploads', 'cao-tekst.pdf'))
  ok(await anna.submitMultipart(`/topic/${topic}`, `/topic/${topic}/reply`, { body: 'Hierbij de cao.' }, [{ field: 'files', filename: 'cao-tekst.pdf', type: 'application/pdf', data: pdf }]), 'an upload')

  const event = await anna.submit(`/forum/${general.slug}/new`, `/forum/${general.slug}/new`, {
    title: 'Netwerkborrel', body: 'Iedereen welkom.', event_start: '2027-03-12T17:00', event_end: '2027-03-12T19:00', event_place: 'Utrecht', event_capacity: '10'
  })
  ok(event, 'an event')
  const eventTopic = String(event.headers.location).split('/topic/')[1]
  ok(await piet.submit(`/topic/${eventTopic}`, `/topic/${eventTopic}/rsvp`, { status: 'going' }), 'an answer')

  const secret = await anna.submit(`/forum/${closed.slug}/new`, `/forum/${closed.slug}/new`, { title: 'Alleen voor het noorden', body: 'Vertrouwelijk overleg.' })
  ok(secret, 'a private topic')
  await app.notifier.flush()
  const upload = await app.db.selectFrom('uploads').select(['id', 'name']).executeTakeFirstOrThrow()
  return { topic, eventTopic, secretTopic: String(secret.headers.location).split('/topic/')[1], upload, pdf, anna }
}
