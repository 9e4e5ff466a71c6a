"""Stored results of requests sent with an Idempotency-Key."""

import json

from sqlalchemy import Connection, text


def claim(conn: Connection, principal_id: int, key: str, request_hash: str):
    """Claims the key for this transaction, or returns what it already holds.

    The INSERT waits on a concurrent holder of the same key until it commits,
    so two racing retries cannot both book: the second then reads the first's
    result. Returns None when the key is newly claimed.
    """
    claimed = conn.execute(
        text("""INSERT INTO idempotency (principal_id, key, request_hash,
                status_code, response) VALUES (:p, :k, :h, 0, '{}')
                ON CONFLICT DO NOTHING RETURNING key"""),
        {"p": principal_id, "k": key, "h": request_hash},
    ).first()
    if claimed:
        return None

    row = conn.execute(
        text("""SELECT request_hash, status_code, response FROM idempotency
                WHERE principal_id = :p AND key = :k"""),
        {"p": principal_id, "k": key},
    ).mappings().first()
    return dict(row)


def store(conn: Connection, principal_id: int, key: str, status: int, body) -> None:
    conn.execute(
        text("""UPDATE idempotency SET status_code = :s, response = :r
                WHERE principal_id = :p AND key = :k"""),
        {"s": status, "r": json.dumps(body, default=str), "p": principal_id,
         "k": key},
    )
