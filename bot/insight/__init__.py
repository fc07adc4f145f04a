"""What people ask and where the bot fails, for staff: read from Rasa's own conversation store."""
