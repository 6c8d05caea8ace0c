import type { FastifyInstance } from 'fastify'
import { ensure } from '../plugins/errors.js'
import { loginFirst } from '../permissions.js'
import { stripBodyControls } from '../plugins/security.js'
import multipart, { type MultipartFile } from '@fastify/multipart'

/** The biggest file any form takes (documents; an avatar has its own, smaller limit). */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024

/** A file from a multipart form, as the route sees it: read up to the limit, never further. */
export interface Upload { filename: string, mimetype: string, data: Buffer, truncated: boolean }

export function isUpload (value: unknown): value is Upload {
  return typeof value === 'object' && value !== null && Buffer.isBuffer((value as Upload).data)
}

/**
 * Lets the routes of one small plugin take `multipart/form-data`: its fields become body values
 * like any form's (the CSRF token too), its files are read up to the limit. Register the forms
 * that take files in a scope of their own: every other form answers such a body with 415 (as
 * any body that is not a plain form), and multipart's hooks cost no other route anything. One
 * file more than a post takes is read, so six files get the form back with a clear error.
 */
export async function acceptFiles (app: FastifyInstance): Promise<void> {
  // Every file form is for members: a guest is sent to log in before a byte of the body is read.
  app.addHook('onRequest', async request => { if (request.viewer === null) ensure(loginFirst) })
  await app.register(multipart, { attachFieldsToBody: 'keyValues', onFile: readUpload, throwFileSizeLimit: false, limits: { fileSize: MAX_UPLOAD_BYTES, files: 6, fields: 40, parts: 46 } })
  // The root's control-character stripping ran before this body was read (multipart reads it in its own preValidation, just added): strip it now.
  app.addHook('preValidation', async request => stripBodyControls(request.body))
}

/** A form schema (see formSchema) that also takes the `files` field of a multipart form. */
export function withFiles (schema: object): object {
  const form = schema as { properties: Record<string, object> }
  return { ...form, properties: { ...form.properties, files: {} } }
}

/** @fastify/multipart's onFile: reads one file into memory up to MAX_UPLOAD_BYTES and marks it truncated beyond that. */
export async function readUpload (part: MultipartFile): Promise<void> {
  const chunks: Buffer[] = []
  for await (const chunk of part.file) chunks.push(chunk as Buffer)
  const upload: Upload = { filename: part.filename, mimetype: part.mimetype, data: Buffer.concat(chunks), truncated: part.file.truncated }
  ;(part as unknown as { value: Upload }).value = upload
}
