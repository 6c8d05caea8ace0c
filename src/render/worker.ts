import type { MessagePort } from 'node:worker_threads'
import { renderMarkdown, type Rendered, type RenderOptions } from '../lib/markdown.js'

export interface RenderTask { source: string, options: RenderOptions }

/**
 * Runs in a thread of the render pool: a render that hangs holds this thread until the pool
 * ends it, never the server. `started` tells the pool when the clock should start.
 */
export default function render ({ source, options, started }: RenderTask & { started: MessagePort }): Rendered {
  started.postMessage(true)
  started.close()
  return renderMarkdown(source, options)
}
