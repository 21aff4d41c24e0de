//! Reference data that nearly every shop request reads and that changes rarely: regions,
//! pairings, categories and zones. Held in process under the catalog version (see
//! [`super::cache`]): every change to regions, pairings or zones bumps that version
//! (categories are fixed at seeding),
//! so a request on any instance after a confirmed change loads them afresh. Without a
//! readable version (Redis failing) they are read from the database every time.
//!
//! Writers that must see their own uncommitted changes (document refreshes inside a
//! transaction) load from their connection instead, with [`Reference::load`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, EntityTrait};

use super::cache::CatalogCache;
use crate::entities::{categories, pairings, regions, zones};
use crate::error::AppError;

/// Regions by code, all pairings, categories by id.
#[derive(Debug, Default)]
pub struct Reference {
    /// Every region, by code.
    pub regions: HashMap<String, regions::Model>,
    /// Every pairing (current or not).
    pub pairings: Vec<pairings::Model>,
    /// Every category, by id.
    pub categories: HashMap<i64, categories::Model>,
    /// Every zone (active or not).
    pub zones: Vec<zones::Model>,
}

impl Reference {
    /// Reads the reference data through `conn` (four queries).
    ///
    /// # Errors
    /// Database errors.
    pub async fn load(conn: &impl ConnectionTrait) -> Result<Self, AppError> {
        let regions = regions::Entity::find()
            .all(conn)
            .await?
            .into_iter()
            .map(|r| (r.code.clone(), r))
            .collect();
        let pairings = pairings::Entity::find().all(conn).await?;
        let categories = categories::Entity::find()
            .all(conn)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let zones = zones::Entity::find().all(conn).await?;
        Ok(Reference {
            regions,
            pairings,
            categories,
            zones,
        })
    }

    /// The facet path of a region: `/region/<province>/<city>/<county>`.
    #[must_use]
    pub fn region_facet(&self, code: &str) -> Option<String> {
        let mut path = Vec::new();
        let mut cur = self.regions.get(code);
        while let Some(r) = cur {
            path.push(r.code.as_str());
            cur = match &r.parent_code {
                Some(p) if path.len() < 4 => self.regions.get(p),
                _ => None,
            };
        }
        if path.is_empty() {
            return None;
        }
        path.reverse();
        Some(format!("/region/{}", path.join("/")))
    }

    /// Regions from province to county.
    #[must_use]
    pub fn region_path(&self, code: &str) -> Vec<&regions::Model> {
        let mut path = Vec::new();
        let mut cur = self.regions.get(code);
        while let Some(r) = cur {
            path.push(r);
            cur = r.parent_code.as_deref().and_then(|p| self.regions.get(p));
            if path.len() > 4 {
                break;
            }
        }
        path.reverse();
        path
    }

    /// Categories from the top down to `id`.
    #[must_use]
    pub fn category_path(&self, id: i64) -> Vec<&categories::Model> {
        let mut path = Vec::new();
        let mut cur = self.categories.get(&id);
        while let Some(c) = cur {
            path.push(c);
            cur = c.parent_id.and_then(|p| self.categories.get(&p));
            if path.len() > 4 {
                break;
            }
        }
        path.reverse();
        path
    }

    /// The direct children of a region.
    pub fn children_of<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a regions::Model> {
        self.regions
            .values()
            .filter(move |r| r.parent_code.as_deref() == Some(code))
    }
}

/// A copy is reused for at most this long even when the version has not moved (a bound on
/// changes made outside the server, e.g. `bangfu seed` against a running instance).
const MAX_AGE: Duration = Duration::from_secs(60);

/// A copy: the catalog version it was read under, when, and the data.
type Held = (u64, Instant, Arc<Reference>);

/// This instance's copy of the reference data and the catalog version it was read under.
#[derive(Debug, Clone, Default)]
pub struct ReferenceCache {
    slot: Arc<RwLock<Option<Held>>>,
    loading: Arc<tokio::sync::Mutex<()>>,
}

impl ReferenceCache {
    /// The reference data as of the current catalog version.
    ///
    /// # Errors
    /// Database errors.
    pub async fn get(
        &self,
        version_of: &CatalogCache,
        conn: &impl ConnectionTrait,
    ) -> Result<Arc<Reference>, AppError> {
        let version = version_of.version().await;
        if version == u64::MAX {
            return Ok(Arc::new(Reference::load(conn).await?));
        }
        if let Some(hit) = self.current(version) {
            return Ok(hit);
        }
        // One load per instance and version, however many requests arrive at once.
        let _guard = self.loading.lock().await;
        if let Some(hit) = self.current(version) {
            return Ok(hit);
        }
        let fresh = Arc::new(Reference::load(conn).await?);
        if let Ok(mut slot) = self.slot.write() {
            *slot = Some((version, Instant::now(), fresh.clone()));
        }
        Ok(fresh)
    }

    fn current(&self, version: u64) -> Option<Arc<Reference>> {
        let slot = self.slot.read().ok()?;
        slot.as_ref()
            .filter(|(v, at, _)| *v == version && at.elapsed() < MAX_AGE)
            .map(|(_, _, r)| r.clone())
    }
}
