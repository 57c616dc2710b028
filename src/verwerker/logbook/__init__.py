"""The audit log as people read it: the log's screens, an event in words, objects as links.

The audit app records and verifies events and imports no other app but accounts; reading an event in words
needs every app's objects (a job's name, a client's), so that part lives here, above the apps it names.
"""
