"""Messages the bot sends first: the e-ticket once a payment is verified, the reminder the day before the visit,
the notice that an unpaid hold expired. See bot/notifications/jobs.py."""
