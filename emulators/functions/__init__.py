"""A local Fn server / OCI Functions invoke endpoint that runs function directories under the real fdk."""
