"""Where Rasa keeps conversations: its SQL tracker store, with the personal data of bookings masked."""
