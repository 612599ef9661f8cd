from flask_jwt_extended import current_user, get_jwt, jwt_required
from flask_smorest import Blueprint

from api.extensions import per_user_and_ip
from api.schemas.notifications import (
    DeviceCreateSchema, DeviceSchema, NotificationPageSchema, NotificationQuerySchema, NotificationReadSchema,
)
from services import devices, notifications

blp = Blueprint("devices", __name__, url_prefix="/api/v1", description="Devices and the notification inbox")


@blp.post("/devices")
@jwt_required()
@per_user_and_ip("DEVICE_RATE_LIMIT")
@blp.arguments(DeviceCreateSchema)
@blp.response(201, DeviceSchema)
@blp.alt_response(200, schema=DeviceSchema, description="The token was known: updated, and now the caller's")
def register_device(data):
    """Register this phone for pushes (upsert by token)."""
    device, created = devices.register_device(current_user, session_id=get_jwt().get("sid"), **data)
    return device, 201 if created else 200


@blp.delete("/devices/<string:token>")
@jwt_required()
@per_user_and_ip("DEVICE_RATE_LIMIT")
@blp.response(204)
def remove_device(token):
    """Stop pushes to this phone."""
    devices.remove_device(current_user, token=token)


@blp.get("/notifications")
@jwt_required()
@blp.arguments(NotificationQuerySchema, location="query")
@blp.response(200, NotificationPageSchema)
def list_notifications(args):
    """The in-app inbox, newest first, with the unread total (the badge number)."""
    page = notifications.list_notifications(current_user, **args)
    return {"items": page.items, "next_cursor": page.next_cursor,
            "unread_count": notifications.unread_count(current_user.id)}


@blp.post("/notifications/read")
@jwt_required()
@per_user_and_ip("READ_MARK_RATE_LIMIT")
@blp.arguments(NotificationReadSchema)
@blp.response(204)
def mark_notifications_read(data):
    """Mark notifications read: `{ids: [...]}` or `{all: true}`."""
    notifications.mark_read(current_user, **data)
