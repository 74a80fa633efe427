"""``/api/v1/categories``: the example resource to copy.

One :class:`Resource` per module (its OpenAPI tag); representation schemas registered on it;
each route declared once with :meth:`Resource.route`; the view calls the domain's services
with ``req.user`` (the key's or session's member) and returns the representation.
"""

from __future__ import annotations

from typing import Any

from forum.discussions import services

from ..representations import category_json
from . import schemas
from .declare import STRING, ApiRequest, Resource, path

api = Resource("categories", "Forum categories the caller may read.")
CATEGORY = api.schema("Category", schemas.CATEGORY)


@api.route("GET", "/categories", summary="List the categories the caller may read",
           response={"type": "array", "items": CATEGORY})
def list_categories(req: ApiRequest) -> Any:
    """In the site's order (the categories page); a short list, not paginated."""
    return [category_json(c) for c in services.visible_categories(req.user)]


@api.route("GET", "/categories/{slug}", summary="One category", params=[path("slug", STRING)],
           response=CATEGORY)
def get_category(req: ApiRequest, slug: str) -> Any:
    return category_json(services.get_category(req.user, slug))
