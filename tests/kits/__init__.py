"""Support for the tests (not tests themselves): factories, servers, browsers, rooms, mail."""
