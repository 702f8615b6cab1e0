"""In-app messages (reminders, issue #17): the caller's own only — anyone else's id reads as missing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import DB, CurrentUser, PathId, TxRoute
from api.office.schemas_messages import MessageOut, MessagesOut
from api.office.services import messages

router = APIRouter(tags=["office"], route_class=TxRoute)


@router.get(
    "/messages", response_model=MessagesOut, summary="My messages, newest first, with the unread count"
)
def list_messages(
    db: DB,
    user: CurrentUser,
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MessagesOut:
    rows = messages.mine(db, user, unread_only, limit)
    return MessagesOut(
        unread=messages.unread(db, user), messages=[MessageOut.model_validate(m) for m in rows]
    )


@router.post("/messages/{message_id}/read", response_model=MessageOut, summary="Mark one of my messages read")
def mark_read(message_id: PathId, db: DB, user: CurrentUser) -> MessageOut:
    return MessageOut.model_validate(messages.mark_read(db, user, message_id))


@router.post("/messages/read-all", response_model=MessagesOut, summary="Mark all my messages read")
def mark_all_read(db: DB, user: CurrentUser) -> MessagesOut:
    messages.mark_all_read(db, user)
    return MessagesOut(unread=0, messages=[])
