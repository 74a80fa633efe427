"""Discussions: categories, topics, posts, revisions."""
