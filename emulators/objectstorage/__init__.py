"""A local stand-in for OCI Object Storage that speaks the REST API the ``oci`` SDK calls.

Run it with ``python -m emulators.objectstorage`` (see README.md in this folder).
"""
