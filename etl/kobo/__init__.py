"""KoboToolbox API v2: the client, and a faithful local server for tests and the demo."""
