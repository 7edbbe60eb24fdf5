"""Video: the nginx-rtmp ingest and HLS server, its hooks, stream keys, encoder sessions and
health."""
