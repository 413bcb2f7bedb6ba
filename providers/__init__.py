"""Clients for every external service: base URL and credentials in, frozen dataclasses out.

No Django models, no settings, no views: a client takes what it needs as arguments and raises
the errors of `providers.base`. Services (in the apps) decide which URL and secret to pass.
"""
