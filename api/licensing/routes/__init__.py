"""Licensing routes: thin — parse, authorise, call the services, shape."""
