"""ODK Central as a source beside KoboToolbox: the client (pyodk sessions, our own paging,
retries and timeouts), incremental sync, deploying the built forms, and writing the
validation back as review states with comments."""
