"""Prometheus instruments of one service, in a registry of its own (several apps can share a process in tests)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._gauges: dict[str, Gauge] = {}
        labels = {"service": service}
        self.http_requests = Counter(
            "debtflow_http_requests_total", "HTTP requests by route template and status.",
            ["method", "route", "status"], registry=self.registry,
        )
        self.http_latency = Histogram(
            "debtflow_http_request_duration_seconds", "HTTP request latency by route template.",
            ["method", "route"], registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.outbox_published = Counter(
            "debtflow_outbox_published_total", "Outbox events acknowledged by the broker.", registry=self.registry
        )
        self.outbox_republished = Counter(
            "debtflow_outbox_republished_total",
            "Retained events queued again because a new broker (another cluster id) answered.", registry=self.registry,
        )
        self.outbox_publish_failures = Counter(
            "debtflow_outbox_publish_failures_total", "Relay rounds that failed and will be retried.",
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "debtflow_outbox_pending", "Committed events not yet published.", registry=self.registry
        )
        self.events_consumed = Counter(
            "debtflow_events_consumed_total",
            "Consumed records by outcome (handled, duplicate, ignored, dead_lettered, retried).",
            ["type", "outcome"], registry=self.registry,
        )
        self.consumer_errors = Counter(
            "debtflow_consumer_bus_errors_total", "Consumer polls or commits that failed on the bus.",
            registry=self.registry,
        )
        self.rows_purged = Counter(
            "debtflow_rows_purged_total", "Rows deleted by housekeeping once their retention passed, by table.",
            ["table"], registry=self.registry,
        )
        info = Gauge("debtflow_service_info", "Constant 1, labelled with the service name.", ["service"],
                     registry=self.registry)
        info.labels(**labels).set(1)

    def gauge(self, name: str, documentation: str) -> Gauge:
        """A service's own gauge, created on first use in this service's registry."""
        if name not in self._gauges:
            self._gauges[name] = Gauge(name, documentation, registry=self.registry)
        return self._gauges[name]

    def render(self) -> bytes:
        return generate_latest(self.registry)
