"""Catalogue look-ups and the typo-tolerant search over it (pg_trgm)."""

from sqlalchemy import Connection, text


def search(conn: Connection, words: list[str], limit: int) -> list[dict]:
    """Services whose folded description matches every word, nearly.

    Each word is scored by trigram word similarity, which forgives a typo or
    two and ignores where in the description the word sits; a service must
    match each word reasonably and ranks by the mean.
    """
    scores = [f"word_similarity(:w{i}, search_text)" for i in range(len(words))]
    params = {f"w{i}": w for i, w in enumerate(words)}
    params["limit"] = limit
    sql = f"""
        SELECT s.code, s.description, s.branch_code, b.name AS branch, s.kind,
               s.tariff_cents, s.tariff_source, s.score
        FROM (
            SELECT s.*, ({' + '.join(scores)}) / {len(words)} AS score,
                   least({', '.join(scores)}) AS worst
            FROM service s
        ) s LEFT JOIN branch b ON b.code = s.branch_code
        WHERE worst >= 0.5
        ORDER BY s.score DESC, length(s.description), s.code
        LIMIT :limit
    """
    return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def by_code(conn: Connection, code: str) -> dict | None:
    row = conn.execute(
        text("""SELECT s.*, b.name AS branch FROM service s
                LEFT JOIN branch b ON b.code = s.branch_code WHERE s.code = :c"""),
        {"c": code},
    ).mappings().first()
    return dict(row) if row else None
