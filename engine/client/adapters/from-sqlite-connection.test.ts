import { openMemoryDatabase } from '../../sqlite/open-memory-database.ts';
import { describeClientDatabase } from './client-database-contract.ts';
import { fromSqliteConnection } from './from-sqlite-connection.ts';

describeClientDatabase('fromSqliteConnection', async () => {
  const connection = await openMemoryDatabase();
  return { db: fromSqliteConnection(connection), close: async () => connection.close() };
});
