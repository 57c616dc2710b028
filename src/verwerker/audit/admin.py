# The audit log has no admin: it is read in its own view (privacy officer) and never edited.
