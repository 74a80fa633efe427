"""In-app notifications (and the e-mail that may accompany them)."""
