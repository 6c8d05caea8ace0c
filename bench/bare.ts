// The yardstick: a bare fastify that sends, byte for byte, the pages Kring sent (GET /p/N),
// and answers a form post with a 303 like Kring's (POST /reply). Started by bench/run.ts.
import { readFileSync } from 'node:fs'
import fastify from 'fastify'
import formbody from '@fastify/formbody'

const pages = JSON.parse(readFileSync(process.argv[2], 'utf8')) as Array<{ body: string, type: string }>
const app = fastify({ logger: false })
await app.register(formbody)
pages.forEach((page, i) => app.get(`/p/${i}`, (_request, reply) => { reply.type(page.type).send(page.body) }))
app.post('/reply', (_request, reply) => { reply.redirect('/topic/reacties#post-1', 303) })
await app.listen({ port: Number(process.argv[3]), host: '127.0.0.1' })
process.send?.('ready')
