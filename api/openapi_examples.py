"""One realistic request body per operation, by operationId, shown in /docs and in generated clients.

Every example here must load through its operation's request schema (a test checks it), so an
example can never drift from what the server accepts. Ids are placeholders in the right shape.
"""
from __future__ import annotations

_ID = "3f2b8c1e-7a4d-4e5f-9b6a-1c2d3e4f5a6b"
_OTHER_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"

REQUEST_EXAMPLES: dict[str, object] = {
    "register": {"email": "sam@example.org", "password": "correct horse battery", "display_name": "Sam",
                 "birth_year": 1984, "accept_terms": True, "consent_health_data": True,
                 "languages": ["en"], "region": "GB-ENG", "timezone": "Europe/London"},
    "login": {"email": "sam@example.org", "password": "correct horse battery"},
    "requestPasswordReset": {"email": "sam@example.org"},
    "confirmPasswordReset": {"token": "the-token-from-the-email", "password": "a new long passphrase"},
    "updateMe": {"bio": "Type 1 since 2009, happy to talk about pumps.", "pronouns": "they/them",
                 "settings": {"notifications": {"message_previews": False,
                                                "quiet_hours": {"start": "22:00", "end": "07:00"}}}},
    "replaceMyConditions": [{"condition_id": _ID, "diagnosed_year": 2009, "treatments": ["insulin pump"],
                             "visibility": "matches"}],
    "eraseMe": {"password": "correct horse battery"},
    "changeMyConsent": {"kind": "health_data", "granted": True},
    "requestConnection": {"user_id": _ID, "message": "Hi, I was diagnosed last year too. Fancy a chat?"},
    "updateConversation": {"muted": True},
    "sendMessage": {"client_msg_id": "01JD3K6Q2W8E5R7T9Y1U3I5O7P", "body": "How did your first week on the pump go?"},
    "markRead": {"seq": 42},
    "editMessage": {"body": "How did your first week on the new pump go?"},
    "blockUser": {"user_id": _ID},
    "registerDevice": {"token": "fcm-registration-token", "platform": "android", "app_version": "1.4.0"},
    "markNotificationsRead": {"ids": [_ID, _OTHER_ID]},
    "applyToMentor": {"motivation": "I want to help people through their first year after diagnosis.",
                      "experience": "Fifteen years with type 1 diabetes, volunteer at my local support group.",
                      "training": "Expert Patients Programme, 2019", "condition_ids": [_ID]},
    "decideMentorApplication": {"decision": "approve", "note": "References checked."},
    "updateMentorProfile": {"accepting_mentees": True, "capacity": 3, "support_types": ["chat", "mentoring"],
                            "availability": [{"day": "tue", "start": "18:00", "end": "20:00"}]},
    "requestMentorship": {"mentor_id": _ID, "message": "I'd love some help getting back to running.",
                          "goals": ["Run 5k without a hypo"]},
    "giveMentorshipFeedback": {"rating": 5, "comment": "Patient and practical."},
    "createGroup": {"name": "New to pumps", "description": "For people in their first year on a pump.",
                    "condition_id": _ID, "visibility": "public", "max_members": 12},
    "inviteToGroup": {"user_id": _ID},
    "createSupportRequest": {"intent": "listen", "duration": "one_off", "condition_id": _ID,
                             "topic": "Nervous about my first clinic appointment", "urgency": "normal"},
    "fileReport": {"target_type": "message", "target_id": _ID, "reason": "harassment",
                   "details": "Keeps messaging after I said no."},
    "resolveReport": {"action": "warn", "note": "First warning."},
    "createOrganisation": {"name": "Northshire Diabetes Service", "kind": "provider"},
    "addOrganisationModerator": {"user_id": _ID},
    "createReferralCode": {"uses": 20, "expires_at": "2027-01-31T23:59:59Z"},
    "redeemReferralCode": {"code": "KQ7M-3XPD-9T"},
    "createResource": {"title": "Sick-day rules", "url": "https://example.org/sick-day-rules",
                       "condition_ids": [_ID], "evidence_level": "guideline", "language": "en"},
    "updateResource": {"title": "Sick-day rules (2026 update)", "reviewed": True},
    "createCheckIn": {"instrument": "ons4", "answers": [7, 6, 7, 3]},
    "setCheckInReminders": {"cadence": "fortnightly", "instruments": ["ons4"]},
    "applyToTutor": {"training": "Expert Patients Programme tutor training, Leeds, March 2026"},
    "decideTutorApplication": {"decision": "approve", "note": "Observed co-tutoring a course in May."},
    "createCourse": {"title": "Living well with a long-term condition",
                     "description": "Six weekly sessions of two and a half hours: action plans, problem solving, "
                                    "pacing, talking with your care team.",
                     "organisation_id": _ID, "condition_ids": [], "capacity": 16, "tutor_ids": [_ID, _OTHER_ID],
                     "delivery": "online", "meeting_url": "https://meet.example.org/northshire-course",
                     "time_zone": "Europe/London",
                     "sessions": [{"starts_at": f"2027-03-{day:02d}T10:00:00", "minutes": 150}
                                  for day in (9, 16, 23, 30)]
                     + [{"starts_at": "2027-04-06T10:00:00"}, {"starts_at": "2027-04-13T10:00:00"}]},
    "updateCourseSession": {"starts_at": "2027-03-24T14:00:00"},
    "enrolOnCourse": {"referral_code": "KQ7M-3XPD-9T"},
    "markAttendance": {"present": [_ID, _OTHER_ID]},
    "createActionPlan": {"week": 1, "what": "Walk to the park", "how_much": "Twice round the pond",
                         "when": "After lunch", "days_per_week": 3, "confidence": 8, "share_with_tutors": False},
    "updateActionPlan": {"outcome": "partly"},
}
