"""``/api/v1/tags``: every tag with its description, topic count and synonyms (tags are public
words: a tag used only in a private category still names nothing the caller cannot read)."""

from __future__ import annotations

from typing import Any

from forum.tags import services

from ..representations import tag_json
from . import schemas
from .declare import ApiRequest, Resource

api = Resource("tags", "Tags: the words topics are filed under (a synonym names its tag).")
TAG = api.schema("Tag", schemas.TAG)


@api.route("GET", "/tags", summary="List the tags", response={"type": "array", "items": TAG},
           description="By name, synonyms listed under the tag they stand for; at most 500.")
def list_tags(req: ApiRequest) -> Any:
    tags = [t for t in services.all_tags() if t.target_id is None]
    synonyms = services.synonyms_of([t.id for t in tags])
    return [tag_json(t, synonyms.get(t.id, [])) for t in tags]
