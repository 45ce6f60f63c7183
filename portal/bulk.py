"""PostgreSQL COPY for demo and benchmark data at national scale.

`bulk_create` sends INSERT statements built by the ORM: about 25,000 filings a
minute here, so two million took over an hour. COPY streams the same rows in a
fraction of that. These helpers are for synthetic data only: no signals, no
`save()`, no primary keys handed back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pgtrigger
from django.db import connection, models, transaction


def copy_rows(
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    skip_existing: bool = False,
) -> int:
    """Stream `rows` into `table` with COPY and return how many were added.

    With `skip_existing`, rows go to a temporary table first and move over with
    ON CONFLICT DO NOTHING, so a row that breaks a unique constraint is left
    out instead of failing the whole COPY."""
    # Table and column names come from models' _meta, quoted; values go
    # through COPY, never into the SQL text.
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    target = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        into = target
        if skip_existing:
            into = connection.ops.quote_name(f"copy_{table}")
            cursor.execute(f"DROP TABLE IF EXISTS {into}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {into} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {column_list} FROM {target} WITH NO DATA"
            )
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no COPY
        count = 0
        with raw.copy(f"COPY {into} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        if skip_existing:
            cursor.execute(
                f"INSERT INTO {target} ({column_list}) SELECT {column_list} FROM {into} "  # noqa: S608
                "ON CONFLICT DO NOTHING"
            )
            count = cursor.rowcount
            cursor.execute(f"DROP TABLE {into}")
    return count


def copy_instances(
    model: type[models.Model],
    instances: Iterable[models.Model],
    *,
    skip_existing: bool = False,
) -> int:
    """COPY unsaved instances of `model` (every concrete column but the
    auto-increment key) in one transaction, with the model's audit trigger on
    insert ignored: synthetic rows are not changes anyone made."""
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    rows = ([getattr(obj, f.attname) for f in fields] for obj in instances)
    with transaction.atomic(), pgtrigger.ignore(f"{model._meta.label}:insert_insert"):
        with connection.cursor() as cursor:
            # pgtrigger.ignore marks the transaction through Django's cursor;
            # COPY goes through psycopg's own, so mark it here first.
            cursor.execute("SELECT 1")
        return copy_rows(
            model._meta.db_table, [f.column for f in fields], rows, skip_existing=skip_existing
        )
