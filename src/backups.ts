import { existsSync, promises as fs, readFileSync } from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'

/**
 * Backups hold the database and the uploads: FILE is the SQLite copy, FILE.uploads/ the
 * files beside it. `kring restore FILE` puts both back.
 */
export const uploadsBesideBackup = (file: string): string => `${file}.uploads`

/** The running forum leaves its process id here, so a restore can tell it is running. */
export const pidFile = (dataDir: string): string => path.join(dataDir, 'kring.pid')

export function runningForumPid (dataDir: string): number | null {
  if (!existsSync(pidFile(dataDir))) return null
  const pid = Number(readFileSync(pidFile(dataDir), 'utf8').trim())
  if (!Number.isSafeInteger(pid) || pid <= 0) return null
  try {
    process.kill(pid, 0)
    return pid
  } catch {
    return null
  }
}

/** Copies the uploads folder (if any) next to the backup file. */
export async function backUpUploads (uploadsDir: string, backupFile: string): Promise<number> {
  if (!existsSync(uploadsDir)) return 0
  await fs.cp(uploadsDir, uploadsBesideBackup(backupFile), { recursive: true })
  return (await fs.readdir(uploadsBesideBackup(backupFile), { recursive: true })).length
}

/**
 * Puts a backup back: checks it is a sound Kring database first, then replaces the database
 * (and its WAL files) and the uploads folder.
 */
export async function restoreBackup (backupFile: string, databaseFile: string, uploadsDir: string): Promise<void> {
  const check = new SQLite(backupFile, { readonly: true, fileMustExist: true })
  try {
    if (check.pragma('integrity_check', { simple: true }) !== 'ok') throw new Error(`${backupFile} is damaged`)
    if (check.prepare("select name from sqlite_master where name = 'posts'").get() === undefined) throw new Error(`${backupFile} is not a Kring backup`)
  } finally {
    check.close()
  }
  await fs.mkdir(path.dirname(databaseFile), { recursive: true })
  for (const suffix of ['-wal', '-shm']) await fs.rm(`${databaseFile}${suffix}`, { force: true })
  await fs.copyFile(backupFile, `${databaseFile}.restoring`)
  await fs.rename(`${databaseFile}.restoring`, databaseFile)
  await fs.rm(uploadsDir, { recursive: true, force: true })
  if (existsSync(uploadsBesideBackup(backupFile))) await fs.cp(uploadsBesideBackup(backupFile), uploadsDir, { recursive: true })
}
