"""SQLAlchemy models: tables and invariants, no workflows."""
from flask_sqlalchemy import SQLAlchemy

from models.base import Base, new_id, utcnow

# Objects stay readable after the one commit a request makes: serialising the response must not
# re-read every row (and, on SQLite, must not take the write lock again).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})

from models.user import User, UserRole, ConsentRecord, Role, ConsentKind  # noqa: E402
from models.condition import Condition, UserCondition, Visibility  # noqa: E402
from models.auth_session import AuthSession, RefreshToken  # noqa: E402
from models.social import Block, Connection, ConnectionStatus, pair_key  # noqa: E402
from models.conversation import (  # noqa: E402
    Conversation, ConversationKind, ConversationMember, Message, StreamChange,
)
from models.notification import Device, Notification, OutboxStatus, PushOutbox  # noqa: E402
from models.mentoring import (  # noqa: E402
    ApplicationStatus, MentorApplication, MentorProfile, Mentorship, MentorshipFeedback, MentorshipStatus,
)
from models.circle import Group, GroupMembership, SupportRequest  # noqa: E402
from models.moderation import AuditEntry, Report, ReportStatus, SafetyFlag, Severity  # noqa: E402
from models.password_reset import PasswordResetToken  # noqa: E402
from models.programme import (  # noqa: E402
    MembershipRole, Organisation, OrganisationKind, OrganisationMember, ReferralCode,
)
from models.resource import EvidenceLevel, Resource, ResourceCondition, ResourceStatus  # noqa: E402
from models.checkin import CheckIn, CheckInReminder  # noqa: E402
from models.scheduled_run import ScheduledRun  # noqa: E402
from models.course import (  # noqa: E402
    ActionPlan, CalendarFeed, Course, CourseAttendance, CourseEnrolment, CourseSession, CourseTutor,
    EnrolmentStatus, TutorAccreditation, TutorApplication,
)

__all__ = [
    "ScheduledRun",
    "db", "Base", "new_id", "utcnow",
    "User", "UserRole", "ConsentRecord", "Role", "ConsentKind",
    "Condition", "UserCondition", "Visibility",
    "AuthSession", "RefreshToken",
    "Block", "Connection", "ConnectionStatus", "pair_key",
    "Conversation", "ConversationKind", "ConversationMember", "Message", "StreamChange",
    "Device", "Notification", "OutboxStatus", "PushOutbox",
    "ApplicationStatus", "MentorApplication", "MentorProfile", "Mentorship", "MentorshipFeedback",
    "MentorshipStatus", "Group", "GroupMembership", "SupportRequest",
    "AuditEntry", "Report", "ReportStatus", "SafetyFlag", "Severity",
    "PasswordResetToken",
    "MembershipRole", "Organisation", "OrganisationKind", "OrganisationMember", "ReferralCode",
    "EvidenceLevel", "Resource", "ResourceCondition", "ResourceStatus",
    "CheckIn", "CheckInReminder",
    "ActionPlan", "CalendarFeed", "Course", "CourseAttendance", "CourseEnrolment", "CourseSession", "CourseTutor",
    "EnrolmentStatus", "TutorAccreditation", "TutorApplication",
]
