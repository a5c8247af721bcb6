"""Read-model rows of one batch: loaded in one query per table, changed in memory, written back set-wise."""

import operator
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from sprintml.eventstore.migrations import Connection

Row = dict[str, Any]
Key = tuple[Any, ...]

_decode_json = msgspec.json.decode
_encode_json = msgspec.json.encode


class Table(msgspec.Struct, frozen=True, kw_only=True):
    """A read-model table: its columns with their Postgres types, and its key."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    append_only: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def key_of(self, row: Row) -> Key:
        if len(self.key) == 1:
            return (row[self.key[0]],)
        return tuple([row[column] for column in self.key])


def qualified(table: Table, schema: str | None) -> str:
    return f"{schema}.{table.name}" if schema else table.name


class _Sql(msgspec.Struct, frozen=True, kw_only=True):
    load: str
    upsert: str
    delete: str


def _unnest(columns: Sequence[tuple[str, str]], first: int = 1) -> str:
    return ", ".join(f"${first + i}::{pg_type}[]" for i, (_, pg_type) in enumerate(columns))


def _sql(table: Table, schema: str | None) -> _Sql:
    name = qualified(table, schema)
    names = table.column_names
    key_columns = [column for column in table.columns if column[0] in table.key]
    key_list = ", ".join(table.key)
    keys_in = f"({key_list}) IN (SELECT * FROM unnest({_unnest(key_columns)}))"
    updates = ", ".join(f"{column} = excluded.{column}" for column in names if column not in table.key)
    return _Sql(
        load=f"SELECT {', '.join(names)} FROM {name} WHERE {keys_in}",
        upsert=(
            f"INSERT INTO {name} ({', '.join(names)}) SELECT * FROM unnest({_unnest(table.columns)}) "
            f"ON CONFLICT ({key_list}) DO UPDATE SET {updates}"
        ),
        delete=f"DELETE FROM {name} WHERE {keys_in}",
    )


class _TableRows:
    """One table's rows: what is known (a row, or None for known-absent), and what changed."""

    def __init__(self, table: Table, schema: str | None) -> None:
        self.table = table
        self.schema = schema
        self.sql = _sql(table, schema)
        self.json_columns = frozenset(name for name, pg_type in table.columns if pg_type == "jsonb")
        self.known: dict[Key, Row | None] = {}
        self.stored: set[Key] = set()  # keys that have a row in the database now
        self.wanted: set[Key] = set()
        self.dirty: set[Key] = set()
        self.appended: list[tuple[Any, ...]] = []
        # A row's values in column order, at C speed: a rebuild writes every row through this.
        self.values = operator.itemgetter(*table.column_names)


class Rows:
    """The rows a batch of events reads and writes, for the tables of one or more projections.

    Projections first say which rows they need (`need`), the runner loads them all at once
    (`load`), then projections change them in plain Python (`get`, `put`, `delete`, `append`) and
    the runner writes every change back (`flush`): new rows by COPY, changed rows by one upsert
    per table, deleted rows by one DELETE. A few statements per batch instead of several per
    event is what makes a rebuild fast.

    `complete=True` means this object has seen every row of the tables since they were empty (a
    rebuild into fresh shadow tables): an unknown key is an absent row and nothing is ever loaded,
    so a rebuild keeps its rows across batches and reads nothing back.
    """

    def __init__(self, tables: Iterable[Table], *, schema: str | None = None, complete: bool = False) -> None:
        self.schema = schema
        self.complete = complete
        self._tables: dict[str, _TableRows] = {table.name: _TableRows(table, schema) for table in tables}

    def need(self, table: Table, key: Key) -> None:
        """Ask for a row to be loaded before the batch is applied."""
        rows = self._tables[table.name]
        if not self.complete and key not in rows.known:
            rows.wanted.add(key)

    def get(self, table: Table, key: Key) -> Row | None:
        """The row with this key, or None when there is none; the row may be changed, then `put`."""
        rows = self._tables[table.name]
        if key in rows.known:
            return rows.known[key]
        if self.complete:
            return None
        raise KeyError(f"{table.name} {key} was not asked for with need()")

    def put(self, table: Table, row: Row, key: Key | None = None) -> None:
        """Insert or replace a row (whose key was asked for, or which is new in a complete set)."""
        rows = self._tables[table.name]
        if key is None:
            key = table.key_of(row)
        if not self.complete and key not in rows.known:
            raise KeyError(f"{table.name} {key} was not asked for with need()")
        rows.known[key] = row
        rows.dirty.add(key)

    def delete(self, table: Table, key: Key) -> None:
        rows = self._tables[table.name]
        if not self.complete and key not in rows.known:
            raise KeyError(f"{table.name} {key} was not asked for with need()")
        rows.known[key] = None
        rows.dirty.add(key)

    def append(self, table: Table, values: tuple[Any, ...]) -> None:
        """Add a row to an append-only table, values in column order."""
        self._tables[table.name].appended.append(values)

    async def load(self, connection: Connection) -> None:
        """Load every row asked for since the last load: one query per table."""
        for rows in self._tables.values():
            if not rows.wanted:
                continue
            table = rows.table
            wanted = list(rows.wanted)
            rows.wanted.clear()
            key_arrays = [[key[i] for key in wanted] for i in range(len(table.key))]
            for record in await connection.fetch(rows.sql.load, *key_arrays):
                row = dict(record.items())
                for column in rows.json_columns:
                    row[column] = _decode_json(row[column])
                key = table.key_of(row)
                rows.known[key] = row
                rows.stored.add(key)
            for key in wanted:
                rows.known.setdefault(key, None)

    async def flush(self, connection: Connection, *, appends_only: bool = False) -> None:
        """Write every change since the last flush (call it inside the batch's transaction).

        `appends_only` writes only the rows of append-only tables, which nothing reads back.
        """
        for rows in self._tables.values():
            await _flush_table(connection, rows, appends_only)

    def forget(self) -> None:
        """Drop cached rows (not complete sets, whose cache is the truth) before the next batch."""
        if self.complete:
            return
        for rows in self._tables.values():
            rows.known.clear()
            rows.stored.clear()


async def _flush_table(connection: Connection, rows: _TableRows, appends_only: bool) -> None:
    table = rows.table
    names = table.column_names
    if rows.appended:
        await connection.copy_records_to_table(
            table.name, records=rows.appended, columns=names, schema_name=rows.schema
        )
        rows.appended = []
    if appends_only or not rows.dirty:
        return
    fresh: list[tuple[Any, ...]] = []
    changed: list[Row] = []
    gone: list[Key] = []
    for key in rows.dirty:
        row = rows.known[key]
        if row is None:
            if key in rows.stored:
                gone.append(key)
                rows.stored.discard(key)
        elif key in rows.stored:
            changed.append(row)
        else:
            fresh.append(rows.values(row))
            rows.stored.add(key)
    rows.dirty.clear()
    if gone:
        await connection.execute(rows.sql.delete, *([key[i] for key in gone] for i in range(len(table.key))))
    if changed:
        columns = [[row[column] for row in changed] for column in names]
        for index, column in enumerate(names):
            if column in rows.json_columns:
                # As raw JSON: asyncpg would read a list value as one more array dimension.
                columns[index] = [msgspec.Raw(_encode_json(value)) for value in columns[index]]
        await connection.execute(rows.sql.upsert, *columns)
    if fresh:
        await connection.copy_records_to_table(table.name, records=fresh, columns=names, schema_name=rows.schema)
