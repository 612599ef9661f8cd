"""The persona matrix's table: for every route (and a few variants), the status each persona gets.

Read with tests/api/test_persona_matrix.py, which explains the personas and the rules; the world the
path arguments point into is tests/persona_world.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tests.persona_world import IN_SCOPE_STAFF, NETWORK_STAFF, PEOPLE, PERSONAS, SIGNED_OUT, STAFF

ALLOWED = "allowed"  # a write this persona may make: not sent here (it would change the world)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Reading a report shows the reported message with a few around it (policy R3, audited).
REPORT_CONTEXT = {"moderation.read_report", "console.report_detail"}
# Pages that show the whole condition catalogue (so every condition's id, the victim's among them).
CATALOGUE = {"conditions.list_conditions", "console.new_resource", "console.edit_resource", "console.new_course"}
CONSOLE_SIGNED_OUT = 303  # the console answers a missing or dead session with its sign-in page


# --- expectations ---------------------------------------------------------------------------------

def public(status=200) -> dict[str, object]:
    return dict.fromkeys(PERSONAS, status)


def own(status=200) -> dict[str, object]:
    """The caller's own things: every live session, whoever it is."""
    return dict.fromkeys(SIGNED_OUT, 401) | dict.fromkeys(PEOPLE, status)


def hidden(**allowed) -> dict[str, object]:
    """The victim's things: missing (404) to every live session except `allowed`."""
    return dict.fromkeys(SIGNED_OUT, 401) | dict.fromkeys(PEOPLE, 404) | allowed


def staff_only(ok=200, *, scope=STAFF, outside=404, others=403) -> dict[str, object]:
    """Staff routes: 403 for everyone else, `outside` for staff whose scope does not cover the target."""
    return (dict.fromkeys(SIGNED_OUT, 401) | dict.fromkeys(PEOPLE - STAFF, others)
            | dict.fromkeys(STAFF - scope, outside) | dict.fromkeys(scope, ok))


def console(ok=200, *, scope=STAFF, outside=404) -> dict[str, object]:
    return staff_only(ok, scope=scope, outside=outside) | dict.fromkeys(SIGNED_OUT, CONSOLE_SIGNED_OUT)


@dataclass
class Case:
    expect: dict[str, object]
    params: dict[str, str] = field(default_factory=dict)  # path argument -> world id name (default: PARAMS)
    body: dict | list | None = None                         # JSON, with "{name}" replaced by world ids
    form: dict | None = None                                # a console form
    method: str | None = None                               # when the rule has several
    query: str = ""


# Which of the world's things a path argument names, unless a case says otherwise.
PARAMS = {"user_id": "victim", "group_id": "circle", "conversation_id": "direct", "message_id": "direct_message",
          "connection_id": "connection", "mentorship_id": "mentorship", "request_id": "support_request",
          "check_in_id": "check_in", "token": "device_token", "report_id": "report", "resource_id": "draft",
          "application_id": "application", "mentor_id": "host", "organisation_id": "o1", "code_id": "o1_code",
          "unknown": "nothing-here", "filename": "nothing-here.css", "course_id": "course",
          "session_id": "course_session", "plan_id": "action_plan", "tutor_id": "host", "feed_token": "nothing-here"}
A = ALLOWED
STAFF_IN = IN_SCOPE_STAFF
# A valid course for O1 with its two tutors: only staff who do not run O1's courses are sent it.
COURSE_BODY = {"title": "Living well", "description": "Six weeks.", "organisation_id": "{o1}",
               "tutor_ids": ["{host}", "{cotutor}"], "delivery": "venue", "venue": "Room 2",
               "sessions": [{"starts_at": f"{date.today().year + 1}-0{month}-01T10:00:00"} for month in range(1, 7)]}

MATRIX: dict[str, Case] = {
    # --- health, docs, catalogue
    "health.healthz": Case(public()), "health.readyz": Case(public()),
    "metrics": Case(public(404)),  # only a METRICS_TOKEN bearer may read it; unset here, so nobody
    "api-docs.openapi_json": Case(public()), "api-docs.openapi_swagger_ui": Case(public()),
    "swagger_assets": Case(public(404)), "static": Case(public(404)), "console.static": Case(public(404)),
    "conditions.list_conditions": Case(public()),
    # --- accounts: public writes, limited per address (tests/api/test_auth.py)
    "auth.register": Case(public(A)), "auth.login": Case(public(A)), "auth.refresh": Case(public(A)),
    "password_reset.request_reset": Case(public(A)), "password_reset.confirm_reset": Case(public(A)),
    "auth.logout": Case(own(A)),
    # --- the caller's own things
    "users.get_me": Case(own()), "users.update_me": Case(own(A)), "users.erase_me": Case(own(A)),
    "users.export_me": Case(own()), "users.replace_my_conditions": Case(own(A)),
    "users.list_my_consents": Case(own()), "users.change_my_consent": Case(own(A)),
    "check_ins.get_check_in_reminders": Case(own()), "check_ins.set_check_in_reminders": Case(own(A)),
    "check_ins.list_check_ins": Case(own()), "check_ins.list_instruments": Case(own()),
    "check_ins.create_check_in": Case(own(A)),
    "blocks.list_blocks": Case(own()), "blocks.block_user": Case(own(A)), "blocks.unblock_user": Case(own(A)),
    "connections.list_connections": Case(own()), "connections.request_connection": Case(own(A) | {"blocked": 404},
                                                                                       body={"user_id": "{victim}"}),
    "conversations.list_conversations": Case(own()), "conversations.sync_changes": Case(own()),
    "devices.list_notifications": Case(own()), "devices.mark_notifications_read": Case(own(A)),
    "devices.register_device": Case(own(A)),
    "mentoring.list_matches": Case(own()), "mentoring.list_mentorships": Case(own()),
    "mentoring.apply_to_mentor": Case(own(A)), "mentoring.request_mentorship": Case(own(A)),
    "moderation.file_report": Case(own(A)),
    "groups.list_groups": Case(own()), "organisations.list_organisations": Case(own()),
    "organisations.redeem_referral_code": Case(own(A)), "resources.list_resources": Case(own()),
    "support_requests.list_support_requests": Case(own()), "support_requests.create_support_request": Case(own(A)),
    # Nobody in the matrix is a mentor: the profile and the open requests are refused to all of them.
    "mentoring.update_mentor_profile": Case(own(403), body={"accepting_mentees": False}),
    "support_requests.list_open_support_requests": Case(own(403)),
    # --- the victim's things: missing to everyone else
    "users.get_user": Case(own() | {"blocked": 404}),
    "check_ins.get_check_in": Case(hidden()), "check_ins.delete_check_in": Case(hidden()),
    "connections.accept_connection": Case(hidden()), "connections.decline_connection": Case(hidden()),
    "conversations.get_conversation": Case(hidden()), "conversations.list_messages": Case(hidden()),
    "conversations.update_conversation": Case(hidden(), body={"muted": True}),
    "conversations.send_message": Case(hidden(), body={"client_msg_id": "{fresh}", "body": "let me in"}),
    "conversations.mark_read": Case(hidden(), body={"seq": 1}),
    # In-scope staff may delete the victim's message (below), so it is no secret to them: editing is a 403.
    "conversations.edit_message": Case(hidden(**dict.fromkeys(STAFF_IN, 403)),
                                       body={"body": "rewritten by someone else"}),
    # Staff delete messages of people in their scope (the victim is in O1).
    "conversations.delete_message": Case(hidden() | dict.fromkeys(STAFF_IN, A)),
    "devices.remove_device": Case(hidden()),
    "mentoring.accept_mentorship": Case(hidden()), "mentoring.decline_mentorship": Case(hidden()),
    "mentoring.end_mentorship": Case(hidden()),
    "mentoring.give_mentorship_feedback": Case(hidden(), body={"rating": 1, "comment": "bad"}),
    "support_requests.get_support_request": Case(hidden()),
    "support_requests.close_support_request": Case(hidden()),
    # Answering is for accredited mentors: everyone else is refused before any request is looked up.
    "support_requests.answer_support_request": Case(own(403), body={}),
    # --- the circle's conversation: its current members alone (staff do not read conversations, C1)
    "conversations.get_conversation#circle": Case(hidden(member=200),
                                                  params={"conversation_id": "circle_conversation"}),
    "conversations.list_messages#circle": Case(hidden(member=200), params={"conversation_id": "circle_conversation"}),
    "conversations.send_message#circle": Case(hidden(member=A), params={"conversation_id": "circle_conversation"},
                                              body={"client_msg_id": "{fresh}", "body": "still here?"}),
    "conversations.mark_read#circle": Case(hidden(member=A), params={"conversation_id": "circle_conversation"},
                                           body={"seq": 1}),
    "conversations.edit_message#circle": Case(hidden(member=403, **dict.fromkeys(STAFF_IN, 403)),
                                              params={"message_id": "early_message"}, body={"body": "rewritten"}),
    # --- the private circle (policy C2-C5): its members and the staff who cover it see it
    "groups.get_group": Case(hidden(member=200, **dict.fromkeys(STAFF_IN, 200))),
    "groups.join_group": Case(hidden(member=A, **dict.fromkeys(STAFF_IN, A))),
    "groups.leave_group": Case(hidden(member=A, **dict.fromkeys(STAFF_IN, 409))),
    "groups.invite_to_group": Case(hidden(member=403, mod_same=A, net_mod=A, admin=A), body={"user_id": "{member}"}),
    "groups.approve_group_member": Case(hidden(member=403, **dict.fromkeys(STAFF_IN, 200))),  # already in: no-op
    "groups.remove_group_member": Case(hidden(member=403, **dict.fromkeys(STAFF_IN, A)), params={"user_id": "host"}),
    "groups.create_group": Case(own(403) | dict.fromkeys(STAFF, A), body={"name": "A circle", "visibility": "public"}),
    # --- organisations: O1's staff manage it; its members see it; only admins appoint moderators
    "organisations.get_organisation": Case(hidden(member=200, former=200, **dict.fromkeys(STAFF_IN, 200))),
    "organisations.list_organisation_members": Case(staff_only(scope=STAFF_IN, others=404) | {"member": 403,
                                                                                             "former": 403}),
    "organisations.list_referral_codes": Case(staff_only(scope=STAFF_IN, others=404) | {"member": 403, "former": 403}),
    "organisations.create_referral_code": Case(staff_only(A, scope=STAFF_IN, others=404) | {"member": 403,
                                                                                           "former": 403}, body={}),
    "organisations.revoke_referral_code": Case(staff_only(A, scope=STAFF_IN, others=404) | {"member": 403,
                                                                                           "former": 403}),
    "organisations.leave_organisation": Case(hidden(member=A, former=A, mod_same=A)),
    "organisations.create_organisation": Case(staff_only(A, scope={"admin"}, outside=403),
                                              body={"name": "Another trust", "kind": "charity"}),
    "organisations.add_organisation_moderator": Case(staff_only(A, scope={"admin"}, outside=403),
                                                     body={"user_id": "{member}"}),
    "organisations.remove_organisation_moderator": Case(staff_only(A, scope={"admin"}, outside=403),
                                                        params={"user_id": "mod_same"}),
    # --- staff work
    "moderation.list_reports": Case(staff_only()), "moderation.list_contact_flags": Case(staff_only()),
    "moderation.read_report": Case(staff_only(scope=STAFF_IN)),
    "moderation.resolve_report": Case(staff_only(A, scope=STAFF_IN), body={"action": "dismiss"}),
    "moderation.acknowledge_report": Case(staff_only(A, scope=STAFF_IN)),
    # A moderator who reported someone outside their scope may not then act on them (R2).
    "moderation.resolve_report#planted": Case(staff_only(A, scope=STAFF_IN) | {"mod_other": 403},
                                              params={"report_id": "planted_report"}, body={"action": "suspend_user"}),
    "moderation.read_audit_log": Case(staff_only(scope={"admin"}, outside=403)),
    "mentoring.list_mentor_applications": Case(staff_only()),
    "mentoring.decide_mentor_application": Case(staff_only(409, scope=STAFF_IN), body={"decision": "reject"}),
    "mentoring.renew_mentor_accreditation": Case(staff_only(A, scope=STAFF_IN)),
    "outcomes.read_outcomes": Case(staff_only()), "outcomes.export_outcomes": Case(staff_only()),
    "outcomes.outcomes_chart": Case(staff_only(), query="?instrument=phq2&measure=total"),
    "outcomes.read_programme_metrics": Case(staff_only()), "moderation.read_alert_response": Case(staff_only()),
    "moderation.read_alert_response": Case(staff_only()),
    # Figures for one organisation: its own moderators and network staff (another's moderator: missing).
    "outcomes.read_outcomes#o1": Case(staff_only(scope=STAFF_IN), query="?organisation_id={o1}"),
    "outcomes.export_outcomes#o1": Case(staff_only(scope=STAFF_IN), query="?organisation_id={o1}"),
    "outcomes.read_programme_metrics#o1": Case(staff_only(scope=STAFF_IN), query="?organisation_id={o1}"),
    "moderation.read_alert_response#o1": Case(staff_only(scope=STAFF_IN), query="?organisation_id={o1}"),
    "resources.list_overdue_reviews": Case(staff_only()),
    "resources.get_resource": Case(hidden(**dict.fromkeys(STAFF, 200))),
    "resources.create_resource": Case(own(403) | dict.fromkeys(STAFF, A),
                                      body={"title": "Mine", "url": "https://example.org/x",
                                            "evidence_level": "guideline"}),
    "resources.update_resource": Case(hidden(**dict.fromkeys(STAFF, A)), body={"title": "Vandalised"}),
    # --- courses (policy K1-K5): an O1 course led by the host and a co-tutor; the victim and the member
    # are enrolled. O1's members (member, former) see it; its staff run it; everyone else: missing.
    "courses.apply_to_tutor": Case(own(403), body={"training": "EPP tutor training 2026"}),  # mentors only
    "courses.list_tutor_applications": Case(staff_only()),
    "courses.decide_tutor_application": Case(staff_only(409, scope=STAFF_IN), params={"application_id": "tutor_application"},
                                             body={"decision": "reject"}),
    "courses.renew_tutor_accreditation": Case(staff_only(A, scope=STAFF_IN)),
    "courses.create_course": Case(own(403) | {"mod_other": 404} | dict.fromkeys(STAFF_IN, A), body=COURSE_BODY),
    "courses.list_courses": Case(own()), "courses.get_calendar_url": Case(own()),
    "courses.rotate_calendar_url": Case(own(A)), "courses.read_calendar_feed": Case(public(404)),
    "courses.get_course": Case(hidden(member=200, former=200, **dict.fromkeys(STAFF_IN, 200))),
    "courses.update_course_session": Case(hidden(member=403, former=403, **dict.fromkeys(STAFF_IN, A)),
                                          body={"cancelled": True}),
    "courses.enrol_on_course": Case(hidden(member=A, former=A, mod_same=A, net_mod=403, admin=403), body={}),
    "courses.withdraw_from_course": Case(hidden(member=A, former=409, **dict.fromkeys(STAFF_IN, 409))),
    "courses.accept_course_offer": Case(hidden(member=409, former=409, **dict.fromkeys(STAFF_IN, 409))),
    "courses.read_course_roster": Case(hidden(member=403, former=403, **dict.fromkeys(STAFF_IN, 200))),
    "courses.mark_attendance": Case(hidden(member=403, former=403, **dict.fromkeys(STAFF_IN, 403)),
                                    body={"present": []}),
    "courses.create_action_plan": Case(hidden(member=A, former=403, **dict.fromkeys(STAFF_IN, 403)), body={
        "week": 2, "what": "a walk", "how_much": "a mile", "when": "mornings", "days_per_week": 3, "confidence": 8}),
    "courses.list_action_plans": Case(hidden(member=200, former=200, **dict.fromkeys(STAFF_IN, 200))),
    "courses.update_action_plan": Case(hidden(), body={"outcome": "done"}),  # the victim's plan: hers alone
    "courses.read_course_outcomes": Case(staff_only()),
    "courses.read_course_outcomes#o1": Case(staff_only(scope=STAFF_IN), query="?organisation_id={o1}"),
    # --- the console (cookies, forms with a CSRF token)
    "console.sign_in": Case(public(200), method="GET"),
    "console.sign_out": Case(console(A)),
    "console.dashboard": Case(console()), "console.not_found": Case(console(404)),
    "console.audit_log": Case(console(scope={"admin"}, outside=403)),
    "console.circles": Case(console()), "console.circle": Case(console(scope=STAFF_IN)),
    "console.approve_member": Case(console(A, scope=STAFF_IN), form={}),
    "console.remove_member": Case(console(A, scope=STAFF_IN), params={"user_id": "host"}, form={}),
    "console.mentor_applications": Case(console()), "console.accreditation": Case(console()),
    "console.decide_application": Case(console(A, scope=STAFF_IN), form={"decision": "reject"}),
    "console.renew": Case(console(A, scope=STAFF_IN), form={}),
    "console.outcomes_page": Case(console()), "console.outcomes_csv": Case(console()),
    "console.courses": Case(console()), "console.course_outcomes": Case(console()),
    "console.course": Case(console(scope=STAFF_IN)), "console.tutor_applications": Case(console()),
    "console.new_course": Case(console()), "console.create_course": Case(console(A), form={}),
    "console.update_course_session": Case(console(A, scope=STAFF_IN), form={"action": "cancel"}),
    "console.decide_tutor_application": Case(console(409, scope=STAFF_IN), params={"application_id": "tutor_application"},
                                             form={"decision": "reject"}),
    "console.dead_letters": Case(console(scope=NETWORK_STAFF, outside=403)),
    "console.report_queue": Case(console()), "console.report_detail": Case(console(scope=STAFF_IN)),
    "console.resolve_report": Case(console(A, scope=STAFF_IN), form={"action": "dismiss"}),
    "console.acknowledge_report": Case(console(A, scope=STAFF_IN), form={}),
    "console.resolve_report#planted": Case(console(A, scope=STAFF_IN) | {"mod_other": 403},
                                           params={"report_id": "planted_report"}, form={"action": "suspend_user"}),
    "console.resources_list": Case(console()), "console.new_resource": Case(console()),
    "console.edit_resource": Case(console()), "console.create_resource": Case(console(A), form={}),
    "console.update_resource": Case(console(A), form={}), "console.review_resource": Case(console(A), form={}),
}

# Known leaks another helper is fixing: (endpoint, persona) -> reason. Remove a line once it passes.
XFAIL: dict[tuple[str, str], str] = {}


def route_of(key: str) -> str:
    """A matrix key is an endpoint, or an endpoint and a variant ("conversations.list_messages#circle")."""
    return key.split("#")[0]
