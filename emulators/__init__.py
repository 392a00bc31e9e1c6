"""Local stand-ins for the cloud services the project talks to, for development and tests."""
