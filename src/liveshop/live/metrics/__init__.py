"""A show's live figures for the studio: viewers, likes, chat and sales."""
