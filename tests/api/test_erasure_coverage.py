"""Export and erasure cover every column that can hold a person's id or words (issue 13, design).

The map in services/privacy/coverage.py is the reviewed list; these tests walk `db.metadata` so a
new table or column that can hold a person (a foreign key to users, an id inside a string, any free
text or JSON) fails here until someone decides which export section shows it and what erasure does.
"""
from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer, MetaData, String, Table, Text

from models import db
from services.privacy.coverage import (
    COVERAGE, DELETE, ERASURE_ACTIONS, NEEDS_REASON, NULL, USER_ID_COLUMNS, personal_columns, user_id_columns,
)

API = "/api/v1"


def _mapped() -> set[tuple[str, str]]:
    return {(table, column) for table, columns in COVERAGE.items() for column in columns}


def test_every_column_that_can_hold_a_persons_id_or_words_is_in_the_reviewed_map():
    assert sorted(set(personal_columns(db.metadata)) - _mapped()) == []


def test_the_map_names_only_real_columns():
    real = {(table.name, column.name) for table in db.metadata.sorted_tables for column in table.columns}
    assert sorted(_mapped() - real) == []
    assert sorted(USER_ID_COLUMNS - real) == []


def test_every_rule_is_a_known_action_and_every_exception_says_why():
    for table, columns in COVERAGE.items():
        for column, rule in columns.items():
            assert rule.erasure in ERASURE_ACTIONS, (table, column)
            if rule.export is None or rule.erasure in NEEDS_REASON:
                assert rule.why.strip(), f"{table}.{column}: say why it is not exported or kept"


def test_delete_and_null_rules_sit_on_foreign_keys_to_users_so_erasure_applies_them_itself():
    handled = {(c.table.name, c.name) for action in (DELETE, NULL) for c in user_id_columns(db.metadata, action)}
    planned = {(t, c) for t, columns in COVERAGE.items() for c, rule in columns.items() if rule.erasure in (DELETE, NULL)}
    assert sorted(planned - handled) == []


def test_every_export_section_the_map_names_is_in_the_export(client, people):
    export = client.get(f"{API}/me/export", headers=people.make().headers).json
    sections = {rule.export for columns in COVERAGE.values() for rule in columns.values() if rule.export}
    assert sorted(sections - export.keys()) == []


def test_every_table_with_a_person_in_it_has_a_rule_for_that_person():
    """A table whose rows point at users (or hold a user id) names how erasure finds the person there."""
    for table in db.metadata.sorted_tables:
        user_columns = [c.name for c in table.columns
                        if "users" in {fk.column.table.name for fk in c.foreign_keys}
                        or (table.name, c.name) in USER_ID_COLUMNS]
        for column in user_columns:
            assert column in COVERAGE.get(table.name, {}), f"{table.name}.{column}"


def test_a_new_table_with_a_persons_id_and_words_is_caught():
    """The walk itself: a diary table added tomorrow would fail the first test until it is mapped."""
    metadata = MetaData()
    Table("users", metadata, Column("id", String(36), primary_key=True))
    Table("diary_entries", metadata, Column("id", String(36), primary_key=True),
          Column("user_id", ForeignKey("users.id")), Column("entry", Text), Column("mood", JSON),
          Column("words", Integer), Column("title", String(80)))
    assert set(personal_columns(metadata)) == {
        ("diary_entries", "user_id"), ("diary_entries", "entry"), ("diary_entries", "mood"), ("diary_entries", "title")}
