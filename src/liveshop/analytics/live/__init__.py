"""A show's live figures for the studio: viewers, likes, chat and sales (was live/metrics).

Analytics sits below live: the live domain hands in what only it knows (who may read a show's
figures, and the room's counters) through `use_live_source`, which wiring installs.
"""
