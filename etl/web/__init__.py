"""`htsd web`: the web app for data managers and the committee (etl/web/app.py)."""
