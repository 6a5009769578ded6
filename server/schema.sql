-- greenlight-schema: bookshop 1
-- The demo bookshop. Every table a client syncs needs a NOT NULL primary key and
-- becomes a conflict-free replicated relation through crsql_as_crr; columns
-- other than the key need defaults or must allow NULL, since rows can arrive
-- one column at a time.

CREATE TABLE books (
  id TEXT PRIMARY KEY NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  author TEXT NOT NULL DEFAULT '',
  price REAL NOT NULL DEFAULT 0,
  stock INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE notes (
  id TEXT PRIMARY KEY NOT NULL,
  book_id TEXT,
  body TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL DEFAULT 0
);

SELECT crsql_as_crr('books');
SELECT crsql_as_crr('notes');
