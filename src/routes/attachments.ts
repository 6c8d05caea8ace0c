import path from 'node:path'
import { promises as fs } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { notFound } from '../plugins/errors.js'
import { hasRole, type Viewer } from '../permissions.js'
import { filesDirectory } from '../config.js'
import { contentDisposition, DocumentError, judgeFile, MAX_FILES, removeFiles, storeFile, type StoredFile } from '../lib/documents.js'
import { isUpload, MAX_UPLOAD_BYTES, type Upload } from '../lib/uploads.js'
import { findUpload, listForumDocuments } from '../models/uploads.js'
import { findReadableForum } from '../models/readable.js'
import type { User } from '../db/schema.js'
import { pageLinks, paginate, parsePageParam } from '../lib/pagination.js'
import { findVisiblePost } from './posts.js'
import type { Refusal } from './posting.js'


/** The files a post form sent (a browser sends an empty part when none was chosen). */
function sentFiles (value: unknown): Upload[] {
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value]
  return all.filter(isUpload).filter(file => file.filename !== '' || file.data.length > 0)
}

/**
 * Judges and stores the files sent with a post: bijdragers and up, at most five, each an
 * allowed type within the size limit. Any refusal stores nothing (files already written are
 * removed) and comes back as the form's error, the typed text kept by the caller.
 */
export async function receiveFiles (app: FastifyInstance, author: User, files: unknown): Promise<{ ok: true, files: StoredFile[] } | Refusal> {
  const sent = sentFiles(files)
  if (sent.length === 0) return { ok: true, files: [] }
  const refuse = (error: string): Refusal => ({ ok: false, status: 400, errors: { files: error } })
  if (!hasRole(author, 'bijdrager')) return refuse('upload.bijdrager_only')
  if (sent.length > MAX_FILES) return refuse('upload.too_many')
  const maxBytes = Math.min(MAX_UPLOAD_BYTES, app.settings.upload_max_mb * 1024 * 1024)
  const stored: StoredFile[] = []
  try {
    const judged = []
    for (const file of sent) judged.push(await judgeFile(file, maxBytes))
    for (const file of judged) stored.push(await storeFile(filesDirectory(app.config), file))
    return { ok: true, files: stored }
  } catch (error) {
    await removeFiles(filesDirectory(app.config), stored)
    if (!(error instanceof DocumentError)) throw error
    return refuse(error.message)
  }
}

/** Removes the files of a post that was refused after they were stored. */
export async function discardFiles (app: FastifyInstance, files: Array<Pick<StoredFile, 'storedName' | 'thumbName'>>): Promise<void> {
  await removeFiles(filesDirectory(app.config), files)
}

/** Files are served by Kring itself, only to those who may read the post, as downloads (images inline), never sniffed. */
export default async function attachmentRoutes (app: FastifyInstance): Promise<void> {
  const fileParams = { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } }, required: ['id'] }

  /** A file is for those who may see its post (a hidden or waiting post's files are its moderators', and a waiting post's author's). */
  async function readableUpload (viewer: Viewer, idText: string) {
    const upload = /^[1-9]\d{0,12}$/.test(idText) ? await findUpload(app.db, Number(idText)) : undefined
    if (!upload) throw notFound()
    await findVisiblePost(app, viewer, String(upload.post_id))
    return upload
  }

  async function send (reply: import('fastify').FastifyReply, file: string, type: string, disposition: string) {
    const data = await fs.readFile(path.join(filesDirectory(app.config), file)).catch(() => null)
    if (data === null) throw notFound()
    return reply.type(type).header('content-disposition', disposition).header('cache-control', 'private, max-age=3600')
      .header('content-security-policy', "default-src 'none'; sandbox").send(data)
  }

  app.get<{ Params: { id: string, name?: string } }>('/files/:id/:name', { schema: { params: fileParams } }, async (request, reply) => {
    const upload = await readableUpload(request.viewer, request.params.id)
    return send(reply, upload.stored_name, upload.mime, contentDisposition(upload.mime.startsWith('image/') ? 'inline' : 'attachment', upload.name))
  })

  app.get<{ Params: { id: string } }>('/files/:id/thumb', { schema: { params: fileParams } }, async (request, reply) => {
    const upload = await readableUpload(request.viewer, request.params.id)
    if (upload.thumb_name === null) throw notFound()
    return send(reply, upload.thumb_name, 'image/webp', contentDisposition('inline', upload.name.replace(/\.\w+$/, '.webp')))
  })

  app.get<{ Params: { slug: string }, Querystring: { page?: string } }>('/forum/:slug/documents', {
    schema: { params: { type: 'object', properties: { slug: { type: 'string' } }, required: ['slug'] }, querystring: { type: 'object', properties: { page: { type: 'string' } } } }
  }, async (request, reply) => {
    const forum = await findReadableForum(app.db, request.viewer, request.params.slug)
    const number = parsePageParam(request.query.page)
    if (!forum || number === null) throw notFound()
    const perPage = 50
    const documents = await listForumDocuments(app.db, forum.id, request.viewer?.id ?? null, { offset: (number - 1) * perPage, limit: perPage + 1 })
    if (number > 1 && documents.length === 0) throw notFound()
    const page = paginate(number, perPage, (number - 1) * perPage + documents.length)
    return reply.page('forums/documents', {
      title: request.i18n.t('documents.title', { forum: forum.name }),
      forum,
      documents: documents.slice(0, perPage),
      pageLinks: page && page.pageCount > 1 ? pageLinks(page, n => `/forum/${forum.slug}/documents${n > 1 ? `?page=${n}` : ''}`) : []
    })
  })
}
