"""The live room: its state, chat, pins, moderation, viewers, and the fan-out of events to them."""
