import t from 'tap'
import { allTextOfClass, buildTestApp, loggedIn, textOfClass } from '../helper.js'
import { makeForum, makeMember } from '../factories.js'
import { smtpSink } from '../mail/smtp-sink.js'

t.test('a member asks, an expert answers, the asker accepts: shown under the question, "Beantwoord", the expert told', async t => {
  const smtp = await smtpSink(t)
  const app = await buildTestApp(t, { smtpUrl: smtp.url, baseUrl: 'https://forum.example.org' })
  app.settings.mail_delay_minutes = 0
  const vragen = await makeForum(app, 'Vraag het de jurist')
  const algemeen = await makeForum(app, 'Algemeen')
  for (const name of ['vrager', 'jurist', 'anders']) await makeMember(app, name)
  await makeMember(app, 'beheer', 'beheerder')
  await makeMember(app, 'mod', 'moderator')
  await app.db.updateTable('users').set({ email_confirmed_at: Date.now() }).execute()
  const admin = await loggedIn(app, 'beheer')
  t.equal((await admin.submit('/admin', `/admin/forums/${vragen.slug}`, { name: vragen.name, description: '', parent: '', position: '1', kind: 'vragen' })).statusCode, 400, 'an unknown kind is refused')
  t.equal((await admin.submit('/admin', `/admin/forums/${vragen.slug}`, { name: vragen.name, description: '', parent: '', position: '1', kind: 'questions' })).statusCode, 303)
  await admin.submit('/user/jurist', '/user/jurist/moderate', { action: 'label', label: 'Arbeidsrechtjurist' })

  const vrager = await loggedIn(app, 'vrager')
  const jurist = await loggedIn(app, 'jurist')
  const anders = await loggedIn(app, 'anders')
  const asked = await vrager.submit(`/forum/${vragen.slug}/new`, `/forum/${vragen.slug}/new`, { title: 'Wet verbetering poortwachter', body: 'Hoe lang loopt de re-integratie?' })
  const slug = String(asked.headers.location).split('/topic/')[1]
  await jurist.submit(`/topic/${slug}`, `/topic/${slug}/reply`, { body: 'Twee jaar, met een eerstejaarsevaluatie.' })
  await anders.submit(`/topic/${slug}`, `/topic/${slug}/reply`, { body: 'Geen idee.' })
  const posts = await app.db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id').select(['posts.id', 'posts.position'])
    .where('topics.slug', '=', slug).orderBy('posts.position').execute()
  const [question, answer, other] = posts.map(post => post.id)

  const byOther = await anders.submit(`/topic/${slug}`, `/post/${answer}/accept`, {})
  t.equal(byOther.statusCode, 403, 'someone else\'s question: refused')
  t.match(byOther.body, 'Alleen wie de vraag stelde of een moderator kiest het antwoord.')
  t.equal((await vrager.submit(`/topic/${slug}`, `/post/${question}/accept`, {})).statusCode, 400, 'the question itself is no answer')
  const elsewhere = await vrager.submit(`/forum/${algemeen.slug}/new`, `/forum/${algemeen.slug}/new`, { title: 'Gewoon een gesprek', body: 'Hallo' })
  const otherSlug = String(elsewhere.headers.location).split('/topic/')[1]
  await jurist.submit(`/topic/${otherSlug}`, `/topic/${otherSlug}/reply`, { body: 'Hallo terug' })
  const ordinaryReply = (await app.db.selectFrom('posts').innerJoin('topics', 'topics.id', 'posts.topic_id').select('posts.id').where('topics.slug', '=', otherSlug).where('posts.position', '=', 2).executeTakeFirstOrThrow()).id
  const notQuestions = await vrager.submit(`/topic/${otherSlug}`, `/post/${ordinaryReply}/accept`, {})
  t.equal(notQuestions.statusCode, 403, 'in an ordinary forum: refused')
  t.match(notQuestions.body, 'niet in een vragenforum')
  t.equal((await app.db.selectFrom('topics').select('answer_post_id').where('answer_post_id', 'is not', null).execute()).length, 0, 'nothing stored')

  const page = await vrager.get(`/topic/${slug}`)
  t.equal(allTextOfClass(page.body, 'post-actions').filter(text => text.includes('Dit is het antwoord')).length, 2, 'the asker may mark either reply')
  t.equal((await vrager.submit(`/topic/${slug}`, `/post/${answer}/accept`, {})).statusCode, 303)
  const answered = await anders.get(`/topic/${slug}`)
  t.match(answered.body, /<section class="accepted-answer"[\s\S]*Twee jaar, met een eerstejaarsevaluatie[\s\S]*<\/section>/, 'the answer under the question')
  t.equal(textOfClass(answered.body, 'answer-badge'), 'Geaccepteerd antwoord')
  t.match(answered.body, /<section class="accepted-answer"[\s\S]*Arbeidsrechtjurist/, 'with the expert label beside the name')
  t.equal(answered.body.match(new RegExp(`id="post-${answer}"`, 'g'))?.length, 1, 'the copy under the question has no second id')
  const list = await anders.get(`/forum/${vragen.slug}`)
  t.match(list.body, 'Beantwoord', 'the topic list says so')
  await vrager.submit(`/forum/${vragen.slug}/new`, `/forum/${vragen.slug}/new`, { title: 'Nog een open vraag', body: 'Proeftijd?' })
  const open = await anders.get(`/forum/${vragen.slug}?filter=unanswered`)
  t.same(allTextOfClass(open.body, 'topic-row').map(row => row.split(' Gestart')[0].replace(/ \d+ nieuw$/, '').trim()), ['Nog een open vraag'], 'the open questions alone')

  await app.notifier.flush()
  await app.mailer.flush()
  const notified = await app.db.selectFrom('notifications').innerJoin('users', 'users.id', 'notifications.user_id').select(['users.username', 'notifications.post_id'])
    .where('notifications.kind', '=', 'accepted').execute()
  t.same(notified, [{ username: 'jurist', post_id: answer }], 'the answerer is told, once')
  t.ok(smtp.received.some(mail => mail.to?.[0].address === 'jurist@example.org' && /koos je reactie als het antwoord/.test(mail.text ?? '')), 'by mail too')

  // Split off into a topic of its own, it is no longer this question's answer (nor shown under it).
  const splitter = await loggedIn(app, 'mod')
  const newSlug = 'elders'
  t.equal((await splitter.submit(`/topic/${slug}`, `/topic/${slug}/moderate`, { action: 'split', posts: String(answer), title: 'Elders verder' })).statusCode, 303)
  t.notMatch((await anders.get(`/topic/${slug}`)).body, 'class="accepted-answer"', 'a reply moved away is not shown as the answer')
  void newSlug

  // Another reply replaces it; the moderator may choose too; again undoes.
  const mod = await loggedIn(app, 'mod')
  t.equal((await mod.submit(`/topic/${slug}`, `/post/${other}/accept`, {})).statusCode, 303, 'a moderator may choose')
  t.equal((await app.db.selectFrom('topics').select('answer_post_id').where('slug', '=', slug).executeTakeFirstOrThrow()).answer_post_id, other, 'one answer a topic')
  await mod.submit(`/topic/${slug}`, `/post/${other}/accept`, {})
  t.equal((await app.db.selectFrom('topics').select('answer_post_id').where('slug', '=', slug).executeTakeFirstOrThrow()).answer_post_id, null, 'again: undone')
  t.notMatch((await anders.get(`/forum/${vragen.slug}`)).body, 'Beantwoord')
})
