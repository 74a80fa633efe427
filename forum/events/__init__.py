"""Meetups: events, RSVPs with capacity and waitlist, calendar feeds (ICS) and reminders."""
