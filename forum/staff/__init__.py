"""Staff identity: staff groups and badges, expert badges, official signed replies,
accepted answers and staff response times."""
