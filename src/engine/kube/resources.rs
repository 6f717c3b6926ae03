//! A container's `resources` as the limit flags: limits.memory is `--memory`,
//! limits.cpu `--cpus`, requests.memory `--memory-reservation`.

use super::quantity;
use super::validate::At;
use super::KubeError;
use crate::engine::containers::settings::Settings;
use k8s_openapi::api::core::v1::Container;

/// The CFS period `--cpus` uses.
const PERIOD: u64 = 100_000;

pub fn settings(at: &At, path: &str, c: &Container) -> Result<Settings, KubeError> {
    let mut settings = Settings::default();
    let Some(resources) = &c.resources else {
        return Ok(settings);
    };
    let r = &mut settings.resources;
    let field = |map: &str, key: &str| format!("{path}.resources.{map}.{key}");
    for (key, q) in resources.limits.iter().flatten() {
        match key.as_str() {
            "memory" => {
                r.memory = Some(
                    quantity::bytes(&q.0).ok_or_else(|| at.err(field("limits", key), bad(&q.0)))?,
                )
            }
            "cpu" => {
                let cpus =
                    quantity::cpus(&q.0).ok_or_else(|| at.err(field("limits", key), bad(&q.0)))?;
                r.cpu_quota = Some((cpus * PERIOD as f64).round() as i64);
                r.cpu_period = Some(PERIOD);
            }
            _ => {}
        }
    }
    for (key, q) in resources.requests.iter().flatten() {
        if key == "memory" {
            r.memory_reservation = Some(
                quantity::bytes(&q.0).ok_or_else(|| at.err(field("requests", key), bad(&q.0)))?,
            );
        }
    }
    Ok(settings)
}

fn bad(q: &str) -> String {
    format!("{q:?} is not a quantity (such as 64Mi or 500m)")
}
