import type SQLite from 'better-sqlite3'
import { sql } from 'kysely'
import type { DB } from '../db/index.js'
import { archivedTables, quoted } from './archive-format.js'

/** A problem with the source or the target, told to the operator without a stack trace. */
export class CopyError extends Error {}

export interface CopyTable {
  name: string
  /** Columns both databases have, in the source's order. */
  columns: string[]
  /** The source's ORDER BY (its primary key). */
  order: string
  /** Foreign keys written as null first and filled in once every table is copied (they close a cycle). */
  deferred: string[]
  /** The target's single-column primary key, by which deferred keys are filled in. */
  key: string | null
  /** PostgreSQL's type of each column, for casts where a value has no other context. */
  types: Record<string, string>
}

export interface CopyPlan {
  /** In an order in which every foreign key that is not deferred refers to rows written before. */
  tables: CopyTable[]
  /** Tables and columns of the SQLite forum that PostgreSQL lacks: not copied. */
  leftOut: string[]
}

interface ForeignKey { table: string, columns: string[], references: string }
interface TargetColumn { table_name: string, column_name: string, data_type: string, is_nullable: string }

/** Tables the target has in its schema, besides Kysely's own: a Kring database has kysely_migration. */
export async function targetTables (db: DB): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db)
  return rows.map(row => row.name)
}

/**
 * Orders the tables so that each is written after the tables its keys refer to. A table's keys
 * to itself, and in a cycle (forums and topics name their last post, posts their topic) the
 * keys of the table held back by the fewest, are deferred, provided they may be null meanwhile.
 */
export function orderTables (names: string[], keys: ForeignKey[], nullable: (table: string, column: string) => boolean): Map<string, string[]> {
  const deferred = new Map(names.map(name => [name, new Set<string>()]))
  const relevant = keys.filter(key => deferred.has(key.table) && deferred.has(key.references))
  for (const key of relevant) if (key.table === key.references) key.columns.forEach(column => deferred.get(key.table)!.add(column))
  const order = new Map<string, string[]>()
  const blockers = (table: string): ForeignKey[] => relevant.filter(key => key.table === table && !order.has(key.references) &&
    key.references !== table && !key.columns.every(column => deferred.get(table)!.has(column)))
  while (order.size < names.length) {
    const left = names.filter(name => !order.has(name))
    const ready = left.find(table => blockers(table).length === 0)
    if (ready !== undefined) {
      order.set(ready, [...deferred.get(ready)!])
      continue
    }
    // Only a table in a cycle may wait for its keys: the others can simply come later.
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean => from === to ||
      (!seen.has(from) && (seen.add(from), blockers(from).some(key => reaches(key.references, to, seen))))
    const candidate = left.map(table => ({ table, keys: blockers(table) }))
      .filter(({ table, keys }) => keys.some(key => reaches(key.references, table)))
      .filter(({ table, keys }) => keys.every(key => key.columns.every(column => nullable(table, column))))
      .sort((a, b) => a.keys.length - b.keys.length)[0]
    if (candidate === undefined) throw new CopyError(`The tables ${left.join(', ')} refer to each other through keys that may not be empty: they cannot be copied one after another`)
    for (const key of candidate.keys) key.columns.forEach(column => deferred.get(candidate.table)!.add(column))
  }
  return order
}

/** What to copy: every application table of the SQLite forum that the migrated target has too. */
export async function planCopy (sqlite: SQLite.Database, db: DB): Promise<CopyPlan> {
  const columns = (await sql<TargetColumn>`select table_name, column_name, data_type, is_nullable from information_schema.columns
    where table_schema = current_schema() and is_generated = 'NEVER'`.execute(db)).rows
  const keys = (await sql<ForeignKey>`select (select relname from pg_class where oid = c.conrelid) as "table",
      (select relname from pg_class where oid = c.confrelid) as "references",
      array(select a.attname::text from unnest(c.conkey) as k(n) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n) as columns
    from pg_constraint c where c.contype = 'f' and c.connamespace = current_schema()::regnamespace`.execute(db)).rows
  const primaryKeys = (await sql<{ table: string, column: string }>`select (select relname from pg_class where oid = c.conrelid) as "table",
      (select attname::text from pg_attribute where attrelid = c.conrelid and attnum = c.conkey[1]) as "column"
    from pg_constraint c where c.contype = 'p' and cardinality(c.conkey) = 1 and c.connamespace = current_schema()::regnamespace`.execute(db)).rows
  const target = new Map<string, Map<string, TargetColumn>>()
  for (const column of columns) {
    if (!target.has(column.table_name)) target.set(column.table_name, new Map())
    target.get(column.table_name)!.set(column.column_name, column)
  }

  const leftOut: string[] = []
  const shapes = archivedTables(sqlite).filter(table => {
    if (table.name === 'sqlite_sequence') return false
    if (!target.has(table.name)) leftOut.push(table.name)
    return target.has(table.name)
  })
  for (const table of shapes) {
    for (const column of table.columns) if (!target.get(table.name)!.has(column)) leftOut.push(`${table.name}.${column}`)
  }
  const order = orderTables(shapes.map(table => table.name), keys, (table, column) => target.get(table)?.get(column)?.is_nullable === 'YES')
  const tables = [...order].map(([name, deferred]): CopyTable => {
    const shape = shapes.find(table => table.name === name)!
    const own = target.get(name)!
    const key = primaryKeys.find(primary => primary.table === name)?.column ?? null
    if (deferred.length > 0 && (key === null || !shape.columns.includes(key))) throw new CopyError(`The table ${name} has no single-column primary key by which to fill in ${deferred.join(', ')}`)
    const shared = shape.columns.filter(column => own.has(column))
    return { name, columns: shared, order: shape.order, deferred, key, types: Object.fromEntries(shared.map(column => [column, own.get(column)!.data_type])) }
  })
  return { tables, leftOut }
}

/** The tables of the plan that hold rows on the target already, with how many. */
export async function occupiedTables (db: DB, plan: CopyPlan): Promise<Array<{ name: string, rows: number }>> {
  const occupied: Array<{ name: string, rows: number }> = []
  for (const table of plan.tables) {
    const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.raw(quoted(table.name))}`.execute(db)
    if (Number(rows[0]!.n) > 0) occupied.push({ name: table.name, rows: Number(rows[0]!.n) })
  }
  return occupied
}
