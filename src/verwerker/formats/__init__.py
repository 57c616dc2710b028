"""One date and time format on every screen, PDF and message (issue 17): day-month-year and the local time
to the minute, in Dutch and in English alike (settings.FORMAT_MODULE_PATH points here)."""
