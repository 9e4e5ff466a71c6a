"""Catalogue look-ups and the typo-tolerant search over it (pg_trgm)."""

from sqlalchemy import Connection, text


def search(conn: Connection, words: list[str], limit: int) -> list[dict]:
    """Services whose folded description matches every word, nearly.

    Each word is scored by trigram word similarity, which forgives a typo or
    two and ignores where in the description the word sits. The title (the
    text before the first full stop) counts more than the notes after it, which
    name other services ("Non associabile a ECOGRAFIA ..."). A service must
    match each word reasonably and ranks by the mean.
    """
    per_word = [
        f"greatest(word_similarity(:w{i}, s.title),"
        f" 0.8 * word_similarity(:w{i}, s.search_text))"
        for i in range(len(words))
    ]
    params = {f"w{i}": w for i, w in enumerate(words)}
    params["limit"] = limit
    sql = f"""
        SELECT s.code, s.description, s.branch_code, b.name AS branch, s.kind,
               s.tariff_cents, s.tariff_source, s.score
        FROM (
            SELECT s.*, ({' + '.join(per_word)}) / {len(words)} AS score,
                   least({', '.join(per_word)}) AS worst
            FROM (SELECT *, lower(split_part(description, '. ', 1)) AS title
                  FROM service) s
        ) s LEFT JOIN branch b ON b.code = s.branch_code
        WHERE s.worst >= 0.45
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
