"""The device registry: which phones receive a person's pushes."""
from __future__ import annotations

from sqlalchemy import delete, select

from models import Device, User, db, utcnow
from services.errors import NotFoundError


def register_device(user: User, *, token: str, platform: str, app_version: str | None = None,
                    session_id: str | None = None) -> tuple[Device, bool]:
    """Upsert by token; return the device and whether the token was new. A token moves to its newest owner."""
    device = db.session.scalar(select(Device).where(Device.token == token))
    created = device is None
    if created:
        device = Device(token=token)
        db.session.add(device)
    device.user_id, device.platform, device.app_version = user.id, platform, app_version
    device.session_id, device.updated_at = session_id, utcnow()
    db.session.commit()
    return device, created


def remove_device(user: User, *, token: str) -> None:
    """Stop pushes to one of the caller's devices; someone else's token looks missing."""
    removed = db.session.execute(delete(Device).where(Device.token == token, Device.user_id == user.id)).rowcount
    if not removed:
        raise NotFoundError("Device not found.")
    db.session.commit()


def remove_session_devices(session_id: str) -> None:
    """Called inside the logout transaction: the phone that logged out gets nothing more."""
    db.session.execute(delete(Device).where(Device.session_id == session_id))


def remove_all_devices(user_id: str) -> None:
    db.session.execute(delete(Device).where(Device.user_id == user_id))
