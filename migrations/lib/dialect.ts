import { PostgresAdapter, type Kysely } from 'kysely'

/** Which database a migration runs on, for the few steps whose SQL must differ. Frozen with the migrations. */
export const isPostgres = (db: Kysely<any>): boolean => db.getExecutor().adapter instanceof PostgresAdapter
