/**
 * The tables of a database that cr-sqlite replicates: each has a
 * `<name>__crsql_clock` table beside it. Read from the database itself, so a
 * check against it is against what is actually merged into, not a copy of the
 * schema. One row per table: its name, in name order.
 */
export const CRR_TABLE_NAMES_SQL = `SELECT base.name FROM sqlite_master AS base
   JOIN sqlite_master AS clock ON clock.type = 'table' AND clock.name = base.name || '__crsql_clock'
  WHERE base.type = 'table' ORDER BY base.name`;
