"""Alembic environment: runs on the connection handed over by workflow.migrate."""

from alembic import context

import workflow.models  # noqa: F401  (registers every table on Base.metadata)
from workflow.db import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `tdkt db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
