import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The folder with package.json: code runs from src/ under tsx and from dist/src/ when compiled. */
function findProjectRoot (): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error('Cannot find the Kring folder (package.json)')
    dir = parent
  }
  return dir
}

export const projectRoot = findProjectRoot()
export const projectPath = (...parts: string[]): string => path.join(projectRoot, ...parts)
