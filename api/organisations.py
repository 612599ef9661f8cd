from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint

from api.extensions import per_user_and_ip
from api.schemas.common import PageArgsSchema
from api.schemas.programmes import (
    IssuedReferralCodeSchema, MemberPageSchema, ModeratorAddSchema, OrganisationCreateSchema, OrganisationMemberSchema,
    OrganisationDetailSchema, OrganisationListSchema, OrganisationQuerySchema, OrganisationSchema, RedeemSchema,
    ReferralCodeCreateSchema, ReferralCodePageSchema, ReferralCodeSchema,
)
from services import organisations

blp = Blueprint("organisations", __name__, url_prefix="/api/v1", description="Programmes: organisations, their members and referral codes")


@blp.get("/organisations")
@jwt_required()
@blp.arguments(OrganisationQuerySchema, location="query")
@blp.response(200, OrganisationListSchema)
def list_organisations(args):
    """The programmes the caller belongs to; `?all=true` (admins, network-wide moderators) lists every one."""
    return {"items": organisations.list_organisations(current_user, everything=args["all"]), "next_cursor": None}


@blp.post("/organisations")
@jwt_required()
@per_user_and_ip("ORGANISATION_RATE_LIMIT")
@blp.arguments(OrganisationCreateSchema)
@blp.response(201, OrganisationDetailSchema)
def create_organisation(data):
    """Admins: add an NHS trust, a charity or a staff network to the network (names are unique)."""
    return organisations.create_organisation(current_user, **data)


@blp.get("/organisations/<id:organisation_id>")
@jwt_required()
@blp.response(200, OrganisationDetailSchema)
def get_organisation(organisation_id):
    """Its members: the organisation and their role. Its staff also: member count and moderators."""
    return organisations.get_organisation(current_user, organisation_id)


@blp.get("/organisations/<id:organisation_id>/members")
@jwt_required()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, MemberPageSchema)
def list_organisation_members(args, organisation_id):
    """Its staff: members and moderators, earliest first."""
    return organisations.list_members(current_user, organisation_id, **args)


@blp.post("/organisations/<id:organisation_id>/moderators")
@jwt_required()
@per_user_and_ip("ORGANISATION_RATE_LIMIT")
@blp.arguments(ModeratorAddSchema)
@blp.response(200, OrganisationMemberSchema)
def add_organisation_moderator(data, organisation_id):
    """Admins: someone with the moderator role moderates this organisation (and from then on only its members)."""
    return organisations.add_moderator(current_user, organisation_id, data["user_id"])


@blp.delete("/organisations/<id:organisation_id>/moderators/<id:user_id>")
@jwt_required()
@per_user_and_ip("ORGANISATION_RATE_LIMIT")
@blp.response(204)
def remove_organisation_moderator(organisation_id, user_id):
    """Admins: stop someone moderating this organisation."""
    organisations.remove_moderator(current_user, organisation_id, user_id)


@blp.post("/organisations/<id:organisation_id>/referral-codes")
@jwt_required()
@per_user_and_ip("ORGANISATION_RATE_LIMIT")
@blp.arguments(ReferralCodeCreateSchema)
@blp.response(201, IssuedReferralCodeSchema)
def create_referral_code(data, organisation_id):
    """Its staff: a code to hand to a patient (single use unless `uses` says more). Shown only this once."""
    return organisations.create_referral_code(current_user, organisation_id, **data)


@blp.get("/organisations/<id:organisation_id>/referral-codes")
@jwt_required()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ReferralCodePageSchema)
def list_referral_codes(args, organisation_id):
    """Its staff: codes issued, newest first, by prefix, with uses left, expiry and state."""
    return organisations.list_referral_codes(current_user, organisation_id, **args)


@blp.post("/organisations/<id:organisation_id>/referral-codes/<id:code_id>/revoke")
@jwt_required()
@per_user_and_ip("ORGANISATION_RATE_LIMIT")
@blp.response(200, ReferralCodeSchema)
def revoke_referral_code(organisation_id, code_id):
    """Its staff: nobody else can join with this code."""
    return organisations.revoke_referral_code(current_user, organisation_id, code_id)


@blp.post("/me/referrals")
@jwt_required()
@per_user_and_ip("REFERRAL_RATE_LIMIT")
@blp.arguments(RedeemSchema)
@blp.response(200, OrganisationSchema)
def redeem_referral_code(data):
    """Join a programme with the code a clinic gave you. Case, spaces and dashes do not matter."""
    return organisations.redeem(current_user, data["code"])


@blp.delete("/me/organisations/<id:organisation_id>")
@jwt_required()
@per_user_and_ip("ORGANISATION_RATE_LIMIT")
@blp.response(204)
def leave_organisation(organisation_id):
    """Leave a programme."""
    organisations.leave(current_user, organisation_id)
