"""``/api/v1/tags``: the tags on topics the caller may read, with their description, the number of
those topics and synonyms (a tag used only in a category closed to the caller is not named)."""

from __future__ import annotations

from typing import Any

from forum.tags import services

from ..representations import tag_json
from . import schemas
from .declare import ApiRequest, Resource

api = Resource("tags", "Tags: the words topics are filed under (a synonym names its tag).")
TAG = api.schema("Tag", schemas.TAG)


@api.route("GET", "/tags", summary="List the tags", response={"type": "array", "items": TAG},
           description="By name, synonyms listed under the tag they stand for; at most 500. Only tags on "
                       "topics the caller may read; topic_count counts those topics.")
def list_tags(req: ApiRequest) -> Any:
    tags = services.visible_tags(req.user)
    synonyms = services.synonyms_of([t.id for t in tags])
    return [{**tag_json(t.tag, synonyms.get(t.id, [])), "topic_count": t.topic_count} for t in tags]
