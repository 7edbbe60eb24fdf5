"""The room's WebSocket: the wire protocol (live's and selling's events in one union) and the
endpoint."""
