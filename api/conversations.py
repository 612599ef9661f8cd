from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from api.extensions import per_user_and_ip
from api.schemas.common import PageArgsSchema
from api.schemas.messaging import (
    ConversationPageSchema, ConversationSchema, ConversationUpdateSchema, MessageCreateSchema, MessageEditSchema,
    MessagePageSchema, MessageQuerySchema, MessageSchema, ReadSchema, SentMessageSchema, SyncQuerySchema, SyncSchema,
)
from services import conversations, messages, sync

blp = Blueprint("conversations", __name__, url_prefix="/api/v1", description="Conversations, messages and sync")


@blp.get("/conversations")
@jwt_required()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ConversationPageSchema)
def list_conversations(args):
    """List the caller's conversations, most recent activity first."""
    page = conversations.list_conversations(current_user, **args)
    return {"items": conversations.views_for(page.items), "next_cursor": page.next_cursor}


@blp.get("/conversations/<id:conversation_id>")
@jwt_required()
@blp.response(200, ConversationSchema)
def get_conversation(conversation_id):
    """Show one conversation the caller is a member of."""
    return conversations.get_conversation(current_user, conversation_id)


@blp.patch("/conversations/<id:conversation_id>")
@jwt_required()
@per_user_and_ip("PROFILE_RATE_LIMIT")
@blp.arguments(ConversationUpdateSchema)
@blp.response(200, ConversationSchema)
def update_conversation(data, conversation_id):
    """Mute or unmute a conversation for the caller."""
    return conversations.set_muted(current_user, conversation_id, **data)


@blp.get("/conversations/<id:conversation_id>/messages")
@jwt_required()
@blp.arguments(MessageQuerySchema, location="query")
@blp.response(200, MessagePageSchema)
def list_messages(args, conversation_id):
    """Page through messages: newest first, or oldest first after `after_seq`."""
    return messages.list_messages(current_user, conversation_id, **args)


@blp.post("/conversations/<id:conversation_id>/messages")
@jwt_required()
@per_user_and_ip("MESSAGE_RATE_LIMIT")
@blp.arguments(MessageCreateSchema)
@blp.response(201, SentMessageSchema)
@blp.alt_response(200, schema=SentMessageSchema, description="A retry: the message first sent with this client_msg_id")
@blp.alt_response(403, description="Blocked, or no accepted connection for a direct message")
def send_message(data, conversation_id):
    """Send a message; resending the same `client_msg_id` returns the original (200)."""
    sent = messages.send_message(current_user, conversation_id, **data)
    return sent, 201 if sent.created else 200


@blp.post("/conversations/<id:conversation_id>/read")
@jwt_required()
@per_user_and_ip("READ_MARK_RATE_LIMIT")
@blp.arguments(ReadSchema)
@blp.response(204)
def mark_read(data, conversation_id):
    """Move the caller's read position forward to `seq`."""
    conversations.mark_read(current_user, conversation_id, **data)


@blp.patch("/messages/<id:message_id>")
@jwt_required()
@per_user_and_ip("EDIT_RATE_LIMIT")
@blp.arguments(MessageEditSchema)
@blp.response(200, SentMessageSchema)
def edit_message(data, message_id):
    """Edit a message: the sender, within 15 minutes."""
    return messages.edit_message(current_user, message_id, **data)


@blp.delete("/messages/<id:message_id>")
@jwt_required()
@per_user_and_ip("EDIT_RATE_LIMIT")
@blp.response(204)
def delete_message(message_id):
    """Delete a message, leaving a tombstone: the sender, or a moderator."""
    messages.delete_message(current_user, message_id)


@blp.get("/sync")
@jwt_required()
@blp.arguments(SyncQuerySchema, location="query")
@blp.response(200, SyncSchema)
@blp.alt_response(400, description="The `since` token was not issued to the caller")
@blp.alt_response(410, description="`sync_token_expired`: the token is older than the change stream keeps "
                                   "(SYNC_TOKEN_MAX_AGE_DAYS); sync without `since` to take a new snapshot")
def sync_changes(args):
    """Catch up: a snapshot without `since`, else every change after it; pass `next_since` back next time."""
    return sync.sync(current_user, **args)
