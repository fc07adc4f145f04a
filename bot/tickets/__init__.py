"""Museum tickets: dates people say, booking codes, signed e-tickets, bookings and payments."""
