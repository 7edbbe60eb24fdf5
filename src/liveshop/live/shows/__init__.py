"""Shows: scheduling and going live, their products, RSVPs, co-hosts, and the shops a creator may
sell for."""
