"""Extract, land and load: KoboToolbox sources, raw landing, the pipeline and the CLI."""
