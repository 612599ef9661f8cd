"""The reviewed map of personal data: for every column that can hold a person's id or their words,
the export section that shows it and what erasure does to it.

tests/api/test_erasure_coverage.py walks `db.metadata` and fails when a table or column that can
hold a person's id (a foreign key to users, or one of USER_ID_COLUMNS) or words (any string, text
or JSON column that is not a key) is missing here, so a new feature cannot forget either right.
erasure.py deletes and nulls the DELETE and NULL rows straight from this map; ANONYMISE rows name
a step in erasure.py. docs/privacy.md explains the choices in prose.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import JSON, MetaData, String, Text

DELETE = "delete"            # rows whose column holds the person's id are deleted
NULL = "set null"            # the column is set to null where it holds the person's id
WITH_ROW = "with row"        # goes with its row, deleted by the row's person column
ANONYMISE = "anonymise"      # cleared or replaced by a named step in erasure.py
SHELL = "shell"              # kept: points at the anonymous "Deleted user" row (why says why)
KEEP = "keep"                # kept on purpose (why says why)
NOT_PERSONAL = "not personal"  # codes, hashes of secrets, taxonomy, other people's records

ERASURE_ACTIONS = {DELETE, NULL, WITH_ROW, ANONYMISE, SHELL, KEEP, NOT_PERSONAL}
NEEDS_REASON = {SHELL, KEEP, NOT_PERSONAL}

# Columns that hold a user id without a foreign key (or inside a string or JSON value).
USER_ID_COLUMNS = {
    ("audit_log", "actor_id"), ("audit_log", "target_id"), ("audit_log", "details"),
    ("mentorships", "ended_by"), ("reports", "target_id"), ("stream_changes", "entity_id"),
    ("notifications", "data"), ("conversations", "direct_key"), ("connections", "pair_key"),
}


@dataclass(frozen=True)
class Rule:
    export: str | None  # section of GET /me/export, or None (then `why` says why not)
    erasure: str
    why: str = ""


def R(export: str | None, erasure: str, why: str = "") -> Rule:  # noqa: N802 - reads like a table row
    return Rule(export, erasure, why)


STAFF_TEXT = "a staff member's words on someone else's record (the application, report or audit) belong to that record"
CODE = "a code from a fixed list, not free text"
SHELL_ID = "points at the anonymous shell: the id alone says nothing about the person"

COVERAGE: dict[str, dict[str, Rule]] = {
    "users": {
        "id": R("account", SHELL, "the row stays as an anonymous shell so that others' histories keep their shape"),
        "email": R("account", ANONYMISE), "password_hash": R(None, ANONYMISE, "a hash of a secret, never shown"),
        "display_name": R("account", ANONYMISE), "bio": R("account", ANONYMISE),
        "pronouns": R("account", ANONYMISE), "languages": R("account", ANONYMISE),
        "languages_key": R(None, ANONYMISE, "derived from languages"), "region": R("account", ANONYMISE),
        "timezone": R("account", ANONYMISE), "settings": R("account", ANONYMISE),
        "matching_scope": R("account", ANONYMISE),
    },
    "user_roles": {"user_id": R("account", DELETE)},
    "consent_records": {"user_id": R("consents", DELETE), "kind": R("consents", WITH_ROW),
                        "version": R("consents", WITH_ROW)},
    "conditions": {c: R(None, NOT_PERSONAL, "the shared condition taxonomy")
                   for c in ("slug", "name", "icd10", "synonyms", "search_text")},
    "user_conditions": {"user_id": R("conditions", DELETE), "treatments": R("conditions", WITH_ROW),
                        "visibility": R("conditions", WITH_ROW)},
    "auth_sessions": {"user_id": R("sessions", DELETE), "revoked_reason": R("sessions", WITH_ROW)},
    "connections": {
        "requester_id": R("connections", DELETE), "addressee_id": R("connections", DELETE),
        "pair_key": R(None, WITH_ROW, "derived from the two ids"), "status": R("connections", WITH_ROW),
        "message": R("connections", WITH_ROW),
    },
    "blocks": {"blocker_id": R("blocks", DELETE),
               "blocked_id": R(None, DELETE, "who blocked the person is the blocker's own safety choice")},
    "conversations": {
        "kind": R(None, NOT_PERSONAL, CODE), "title": R(None, NOT_PERSONAL, "a circle's name, shared by its members"),
        "direct_key": R(None, ANONYMISE, "derived from the pair's ids; cleared, the pair can never talk again"),
    },
    "conversation_members": {
        "user_id": R("conversations", SHELL, "the shell stays a member of direct conversations so the other "
                                             "person's history shows 'Deleted user'; circles are left"),
    },
    "messages": {
        "sender_id": R("messages", SHELL, "tombstones keep others' histories in order; no body, no labels"),
        "client_msg_id": R("messages", ANONYMISE), "body": R("messages", ANONYMISE),
        "labels": R("messages", ANONYMISE),
    },
    "stream_changes": {
        "user_id": R(None, DELETE, "delivery bookkeeping for /sync; what it points at is exported"),
        "kind": R(None, WITH_ROW, CODE),
        "entity_id": R(None, ANONYMISE, "others' entries naming the person (read positions) are deleted"),
    },
    "devices": {"user_id": R("devices", DELETE), "token": R(None, WITH_ROW, "a push credential, never shown"),
                "platform": R("devices", WITH_ROW), "app_version": R("devices", WITH_ROW)},
    "notifications": {
        "user_id": R("notifications", DELETE), "type": R("notifications", WITH_ROW),
        "data": R("notifications", ANONYMISE, "others' entries that name the person are deleted too"),
        "conversation_id": R("notifications", WITH_ROW),
    },
    "push_outbox": {
        "user_id": R(None, DELETE, "the delivery copy of a notification, which is exported"),
        "status": R(None, WITH_ROW, CODE), "delivered_device_ids": R(None, WITH_ROW, "device ids"),
        "last_error": R(None, WITH_ROW, "the push service's error text"),
    },
    "mentor_applications": {
        "user_id": R("mentor_applications", DELETE), "motivation": R("mentor_applications", WITH_ROW),
        "experience": R("mentor_applications", WITH_ROW), "training": R("mentor_applications", WITH_ROW),
        "condition_ids": R("mentor_applications", WITH_ROW), "status": R("mentor_applications", WITH_ROW),
        "note": R("mentor_applications", KEEP, STAFF_TEXT),
        "decided_by": R(None, NULL, "the deciding moderator; the audit log keeps the decision"),
    },
    "mentor_profiles": {"user_id": R("mentor_profile", DELETE), "support_types": R("mentor_profile", WITH_ROW),
                        "availability": R("mentor_profile", WITH_ROW)},
    "mentorships": {
        "mentor_id": R("mentorships", DELETE), "mentee_id": R("mentorships", DELETE),
        "status": R("mentorships", WITH_ROW), "message": R("mentorships", WITH_ROW),
        "goals": R("mentorships", WITH_ROW), "ended_by": R("mentorships", WITH_ROW),
    },
    "mentorship_feedback": {
        "mentor_id": R("feedback_received", DELETE),
        "comment": R("feedback_given", WITH_ROW),  # the mentee's feedback goes with the mentorship
    },
    "groups": {
        "name": R("circles_created", KEEP, "a circle's name and description belong to its members"),
        "description": R("circles_created", KEEP, "a circle's name and description belong to its members"),
        "visibility": R(None, NOT_PERSONAL, CODE),
        "created_by": R("circles_created", SHELL, "the circle outlives its creator; " + SHELL_ID),
    },
    "group_memberships": {"user_id": R("circles", DELETE), "status": R("circles", WITH_ROW),
                          "role": R("circles", WITH_ROW)},
    "support_requests": {
        "user_id": R("support_requests", DELETE), "intent": R("support_requests", WITH_ROW),
        "duration": R("support_requests", WITH_ROW), "topic": R("support_requests", WITH_ROW),
        "urgency": R("support_requests", WITH_ROW), "status": R("support_requests", WITH_ROW),
        "answered_by": R(None, NULL, "the request is the other person's; who answered it is cleared"),
    },
    "reports": {
        "reporter_id": R("reports_filed", ANONYMISE, "kept for moderation without reporter or details"),
        "details": R("reports_filed", ANONYMISE),
        "target_user_id": R("reports_about_me", DELETE),
        "target_id": R("reports_about_me", ANONYMISE, "reports and alerts about the person go with them"),
        "status": R("reports_filed", WITH_ROW),
        "acknowledged_by": R(None, NULL, "the moderator who took an alert on; the audit log keeps it"),
        "escalations": R(None, NOT_PERSONAL, "steps, times and how many staff were told: counts only"),
        "source": R("reports_filed", WITH_ROW), "target_type": R("reports_filed", WITH_ROW),
        "reason": R("reports_filed", WITH_ROW), "action": R("reports_filed", WITH_ROW),
        "resolution_note": R(None, KEEP, STAFF_TEXT),
        "resolved_by": R(None, NULL, "the resolving moderator; the audit log keeps the action"),
    },
    "audit_log": {
        "actor_id": R("staff_actions", SHELL, "the legal record of staff actions holds ids and codes only; " + SHELL_ID),
        "target_id": R("moderation_actions_about_me", SHELL, "as actor_id: the record of what was done"),
        "action": R("staff_actions", KEEP, CODE), "target_type": R("staff_actions", KEEP, CODE),
        "reason": R("moderation_actions_about_me", KEEP, STAFF_TEXT),
        "details": R(None, KEEP, "ids and codes only, by rule of services/audit.py"),
    },
    "safety_flags": {"user_id": R("safety_flags", DELETE), "kind": R("safety_flags", WITH_ROW),
                     "found": R("safety_flags", WITH_ROW)},
    "password_reset_tokens": {"user_id": R("password_resets", DELETE),
                              "token_hash": R(None, WITH_ROW, "a hash of a secret, never shown")},
    "organisations": {"name": R(None, NOT_PERSONAL, "an organisation's name"),
                      "kind": R(None, NOT_PERSONAL, CODE),
                      "created_by": R(None, NULL, "staff bookkeeping; the audit log keeps it")},
    "organisation_members": {"user_id": R("organisations", DELETE), "role": R("organisations", WITH_ROW)},
    "referral_codes": {"code_hash": R(None, NOT_PERSONAL, "a hash of a code a clinic hands out"),
                       "code_prefix": R(None, NOT_PERSONAL, "a code's first letters"),
                       "created_by": R(None, NULL, "staff bookkeeping; the audit log keeps it")},
    "resources": {
        "author_id": R("resources_authored", ANONYMISE, "drafts are deleted; published ones lose their author"),
        "title": R("resources_authored", KEEP, "a published guide stays for others (docs/privacy.md)"),
        "url": R("resources_authored", KEEP, "as title"), "body": R("resources_authored", KEEP, "as title"),
        "search_text": R(None, KEEP, "derived from title and body"),
        "evidence_level": R("resources_authored", KEEP, CODE), "status": R("resources_authored", KEEP, CODE),
        "language": R(None, NOT_PERSONAL, CODE),
        "published_by": R(None, NULL, "the publishing moderator; the audit log keeps it"),
    },
    "check_ins": {"user_id": R("check_ins", DELETE), "instrument": R("check_ins", WITH_ROW),
                  "answers": R("check_ins", WITH_ROW), "scores": R("check_ins", WITH_ROW)},
    "scheduled_runs": {"last_error": R(None, NOT_PERSONAL, "an exception's class name, never its message")},
    "check_in_reminders": {"user_id": R("check_in_reminders", DELETE), "cadence": R("check_in_reminders", WITH_ROW),
                           "instruments": R("check_in_reminders", WITH_ROW)},
    # Self-management courses (issue 17, docs/courses.md): a place is given back before its row goes
    # (erasure.py calls services.courses.enrolment.forget_person), so the waitlist moves on.
    "tutor_applications": {
        "user_id": R("tutor_applications", DELETE), "training": R("tutor_applications", WITH_ROW),
        "status": R("tutor_applications", WITH_ROW), "note": R("tutor_applications", KEEP, STAFF_TEXT),
        "decided_by": R(None, NULL, "the deciding moderator; the audit log keeps the decision"),
    },
    "tutor_accreditations": {"user_id": R("tutor_accreditation", DELETE)},
    "courses": {
        "title": R(None, NOT_PERSONAL, "a programme's course: its title belongs to the programme"),
        "description": R(None, NOT_PERSONAL, "as title"), "delivery": R(None, NOT_PERSONAL, CODE),
        "meeting_url": R(None, NOT_PERSONAL, "the programme's meeting room"),
        "venue": R(None, NOT_PERSONAL, "the programme's venue"), "time_zone": R(None, NOT_PERSONAL, CODE),
        "condition_ids": R(None, NOT_PERSONAL, "the conditions a course is for, not anyone's"),
        "created_by": R(None, NULL, "staff bookkeeping; the audit log keeps it"),
    },
    "course_tutors": {"user_id": R("courses_tutored", DELETE)},
    "course_enrolments": {"user_id": R("courses", DELETE), "status": R("courses", WITH_ROW)},
    "course_attendance": {
        "user_id": R("course_attendance", DELETE),
        "marked_by": R(None, NULL, "the tutor who took the register; the audit log keeps it"),
    },
    "action_plans": {"user_id": R("action_plans", DELETE), "what": R("action_plans", WITH_ROW),
                     "how_much": R("action_plans", WITH_ROW), "plan_when": R("action_plans", WITH_ROW),
                     "outcome": R("action_plans", WITH_ROW)},
    "calendar_feeds": {"user_id": R("calendar_feed", DELETE),
                       "salt": R(None, WITH_ROW, "makes the secret feed URL: a credential, never exported"),
                       "token_hash": R(None, WITH_ROW, "a hash of a secret, never shown")},
}


def personal_columns(metadata: MetaData) -> Iterator[tuple[str, str]]:
    """Every (table, column) that can hold a person's id or words: foreign keys to users, the known
    id-holding columns, and every string, text or JSON column that is not a key to another row."""
    for table in metadata.sorted_tables:
        for column in table.columns:
            targets = {fk.column.table.name for fk in column.foreign_keys}
            if "users" in targets or (table.name, column.name) in USER_ID_COLUMNS:
                yield table.name, column.name
            elif not targets and not column.primary_key and isinstance(column.type, (String, Text, JSON)):
                yield table.name, column.name


def user_id_columns(metadata: MetaData, action: str) -> list:
    """Columns referring to users whose rule is `action`, children before parents (safe to delete in order)."""
    found = []
    for table in reversed(metadata.sorted_tables):
        for column in table.columns:
            if "users" in {fk.column.table.name for fk in column.foreign_keys}:
                rule = COVERAGE.get(table.name, {}).get(column.name)
                if rule is not None and rule.erasure == action:
                    found.append(column)
    return found
