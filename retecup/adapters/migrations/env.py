"""Alembic environment: runs the migrations on the engine the caller passes."""

from alembic import context
from sqlalchemy import create_engine

from retecup.adapters.database import database_url

config = context.config
connection = config.attributes.get("connection")

if connection is not None:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(database_url())
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
