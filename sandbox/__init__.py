"""The sandbox: a local HTTP server that answers like Spotify, Last.fm, YouTube and the rest.

It imports nothing from the project, and the project imports nothing from it. Tests and the demo
point the provider URL settings at it (`GET /_sandbox/env` lists them). See sandbox/README.md.
"""
