"""Load the condition taxonomy (migrations/data/conditions.json).

Revision ID: 0002
Revises: 0001
"""
import json
import unicodedata
import uuid
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DATA = Path(__file__).resolve().parent.parent / "data" / "conditions.json"
# Ids are derived from slugs so every database (and every test) agrees on them.
NAMESPACE = uuid.UUID("6f1d7c56-4a3b-4f0e-9a57-2b8c1e0d9a11")

conditions = sa.table(
    "conditions",
    sa.column("id", sa.String), sa.column("slug", sa.String), sa.column("name", sa.String),
    sa.column("icd10", sa.String), sa.column("parent_id", sa.String), sa.column("synonyms", sa.JSON),
    sa.column("search_text", sa.Text),
)


def condition_id(slug: str) -> str:
    return str(uuid.uuid5(NAMESPACE, slug))


def folded(text: str) -> str:
    """Lower case without accents, so `sjogren` finds Sjögren's."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def upgrade():
    entries = json.loads(DATA.read_text(encoding="utf-8"))
    # Groups first: a child's parent_id must already exist.
    entries.sort(key=lambda entry: entry["parent"] is not None)
    op.bulk_insert(conditions, [
        {
            "id": condition_id(e["slug"]), "slug": e["slug"], "name": e["name"], "icd10": e["icd10"],
            "parent_id": condition_id(e["parent"]) if e["parent"] else None, "synonyms": e["synonyms"],
            "search_text": " | ".join(folded(t) for t in [e["name"], *e["synonyms"]]),
        }
        for e in entries
    ])


def downgrade():
    op.execute(conditions.delete().where(conditions.c.parent_id.isnot(None)))
    op.execute(conditions.delete())
