//! Prometheus metrics: the registry and the series roost records (request
//! counts and latencies per route). `http::metrics` records requests and
//! serves `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    cache: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    cache_hits: Family<CacheLabels, Counter>,
    cache_misses: Family<CacheLabels, Counter>,
    cache_entries: Family<CacheLabels, Gauge>,
    /// One bring-up of the cache series at a time (each adds a difference).
    observing: std::sync::Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("roost");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 14))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            latency.clone(),
        );
        let cache_hits = Family::<CacheLabels, Counter>::default();
        registry.register(
            "cache_hits",
            "Reads answered by an in-process cache, per cache",
            cache_hits.clone(),
        );
        let cache_misses = Family::<CacheLabels, Counter>::default();
        registry.register(
            "cache_misses",
            "Reads an in-process cache could not answer (read from the database), per cache",
            cache_misses.clone(),
        );
        let cache_entries = Family::<CacheLabels, Gauge>::default();
        registry.register(
            "cache_entries",
            "Entries an in-process cache holds, per cache",
            cache_entries.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            cache_hits,
            cache_misses,
            cache_entries,
            observing: std::sync::Mutex::new(()),
        }
    }

    /// Brings the cache series up to `caches`' counts (before rendering).
    pub fn observe_caches(&self, caches: &crate::cache::Caches) {
        let _one = self
            .observing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (name, (hits, misses, entries)) in caches.stats() {
            let labels = CacheLabels {
                cache: name.to_string(),
            };
            let h = self.cache_hits.get_or_create(&labels);
            h.inc_by(hits.saturating_sub(h.get()));
            let m = self.cache_misses.get_or_create(&labels);
            m.inc_by(misses.saturating_sub(m.get()));
            self.cache_entries
                .get_or_create(&labels)
                .set(i64::try_from(entries).unwrap_or(i64::MAX));
        }
    }

    /// Records one answered request under its route template.
    pub fn observe_request(&self, method: String, route: String, status: u16, seconds: f64) {
        self.latency
            .get_or_create(&RouteLabels {
                route: route.clone(),
            })
            .observe(seconds);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status,
            })
            .inc();
    }

    /// The Prometheus text exposition of every series.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
