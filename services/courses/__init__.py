"""Self-management courses led by expert patients (issue 17; docs/courses.md).

Split by noun: `tutors` (the tutor accreditation), `catalogue` (courses and their sessions),
`enrolment` (places, the waitlist and its 48-hour offers, the course circle), `attendance`
(the register, completion and certificates), `action_plans`, `calendar` (the secret .ics feed),
`reminders` (day-before and hour-before, from `flask run-scheduled`) and `outcomes`.
Who may see or do what is in services/policy.py, rules K1-K5.
"""
