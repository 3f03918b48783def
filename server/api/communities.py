"""The communities (社区) of the sub-district."""

from flask_smorest import Blueprint
from sqlalchemy import select

from server.extensions import db
from server.models import Community
from server.schemas.users import CommunityListSchema

blp = Blueprint("communities", __name__, url_prefix="/api/v1/communities", description="Communities")


@blp.route("", methods=["GET"])
@blp.response(200, CommunityListSchema)
def list_communities():
    """Every community of the sub-district, in a stable order (not paginated: there are a few dozen)."""
    return {"items": db.session.scalars(select(Community).order_by(Community.id)).all()}
