import os

# Every test is a new catalogue behind the same database URL: no trending list may outlive it.
os.environ.setdefault("LIVESHOP_DISCOVERY_TRENDING_SECONDS", "0")
