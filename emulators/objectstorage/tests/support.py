"""The Object Storage emulator as a subprocess, and SDK clients for it (shared with the app's tests)."""

from __future__ import annotations

from emulators.testing import EmulatorSubprocess


class ObjectStorageProcess(EmulatorSubprocess):
    """A running ``python -m emulators.objectstorage``, stopped by its PID; ``admin()`` drives its knobs."""

    module = "emulators.objectstorage"
    name = "Object Storage emulator"
    namespace = "ocipizza"

    def fresh(self, *buckets: str, public: tuple[str, ...] = ()) -> ObjectStorageProcess:
        """Empty the emulator (no buckets, no faults, counters at zero) and create ``buckets``."""
        self.admin("reset")
        for name in buckets:
            self.admin(
                "buckets", {"name": name, "publicAccessType": "ObjectRead" if name in public else None}
            )
        return self


def make_client(url: str, config_path, profile: str = "DEFAULT", *, timeout=(2, 10), retries: int = 0):
    """An ``ObjectStorageClient`` signing with the test key, pointed at the emulator, no SDK retries
    (tests see each failure as it happens) and no circuit breaker carried between tests."""
    import oci

    config = oci.config.from_file(str(config_path), profile)
    retry = (
        oci.retry.NoneRetryStrategy()
        if retries == 0
        else oci.retry.RetryStrategyBuilder(
            max_attempts=retries + 1,
            retry_base_sleep_time_seconds=0.05,
            retry_max_wait_between_calls_seconds=0.5,
        ).get_retry_strategy()
    )
    return oci.object_storage.ObjectStorageClient(
        config,
        service_endpoint=url,
        timeout=timeout,
        retry_strategy=retry,
        circuit_breaker_strategy=oci.circuit_breaker.NoCircuitBreakerStrategy(),
    )
