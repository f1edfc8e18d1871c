"""Views of the analytics app, one module per report (the API view and the web page side by side)."""
