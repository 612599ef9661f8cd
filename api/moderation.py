from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from api.extensions import per_user_and_ip
from api.schemas.moderation import (
    AcknowledgementSchema, AuditPageSchema, AuditQuerySchema, FlagCountListSchema, ReportCreateSchema, ReportDetailSchema, ReportPageSchema, ReportQuerySchema,
    ReportReceiptSchema, ReportSchema, ResolveSchema,
)
from api.schemas.alerts import AlertResponseQuerySchema, AlertResponseSchema
from services import alert_response, alerts, audit, moderation

blp = Blueprint("moderation", __name__, url_prefix="/api/v1", description="Reports, moderation and the audit log")


@blp.post("/reports")
@jwt_required()
@per_user_and_ip("REPORT_RATE_LIMIT")
@blp.arguments(ReportCreateSchema)
@blp.response(201, ReportReceiptSchema)
def file_report(data):
    """Report a message, a person or a circle you can see."""
    return moderation.report(current_user, **data)


@blp.get("/moderation/reports")
@jwt_required()
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, ReportPageSchema)
def list_reports(args):
    """Moderators: the queue, most severe first, then oldest."""
    return moderation.queue(current_user, **args)


@blp.get("/moderation/reports/<id:report_id>")
@jwt_required()
@blp.response(200, ReportDetailSchema)
def read_report(report_id):
    """Moderators: one report with the reported content in context (this read is audited)."""
    return moderation.read_report(current_user, report_id)


@blp.post("/moderation/reports/<id:report_id>/resolve")
@jwt_required()
@per_user_and_ip("STAFF_ACTION_RATE_LIMIT")
@blp.arguments(ResolveSchema)
@blp.response(200, ReportSchema)
def resolve_report(data, report_id):
    """Moderators: dismiss, remove_content, warn, suspend_user or unsuspend (audited)."""
    return moderation.resolve(current_user, report_id, **data)


@blp.post("/moderation/reports/<id:report_id>/acknowledge")
@jwt_required()
@per_user_and_ip("STAFF_ACTION_RATE_LIMIT")
@blp.response(200, AcknowledgementSchema)
def acknowledge_report(report_id):
    """Moderators: take on an alert ("I have this"); it stops escalating. The first acknowledgement stands."""
    return alerts.acknowledge(current_user, report_id)


@blp.get("/moderation/outcomes/alert-response")
@jwt_required()
@blp.arguments(AlertResponseQuerySchema, location="query")
@blp.response(200, AlertResponseSchema)
@blp.alt_response(403, description="Not a moderator or admin")
@blp.alt_response(404, description="An organisation you do not moderate (or none with this id)")
def read_alert_response(args):
    """Moderators: median and 90th-percentile minutes to acknowledge crisis alerts per period; small groups withheld."""
    return alert_response.time_to_acknowledge(current_user, **args)


@blp.get("/moderation/contact-flags")
@jwt_required()
@blp.response(200, FlagCountListSchema)
def list_contact_flags():
    """Moderators: people who shared contact details early in new relationships, most often first."""
    return {"items": moderation.contact_flag_counts(current_user), "next_cursor": None}


@blp.get("/admin/audit")
@jwt_required()
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditPageSchema)
def read_audit_log(args):
    """Admins: the append-only audit log, newest first."""
    return audit.list_entries(current_user, **args)
