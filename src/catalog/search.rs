//! Full-text search over listed products with tantivy: Chinese text cut by jieba, pinyin and
//! initials (mangguo, mg), filters as facets, facet counts, sorts, and keyset pagination for
//! the sorted orders (an offset cursor for relevance).
//!
//! Each instance keeps its own in-memory index, built from the database at start and kept
//! current by [`SearchIndex::sync`], which re-indexes the products changed since the last run
//! (products, their SKUs, certificates and suppliers bump `products.updated_at`).

use std::collections::HashSet;
use std::ops::Bound;
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use pinyin::ToPinyin;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument,
    Term,
};

use super::dto::{FacetCount, Facets, SortBy};
use super::model::ProductStatus;
use super::read::{self, Loaded};
use crate::entities::products;
use crate::error::{AppError, ErrorCode};

/// One clause of a boolean query.
type Clause = (Occur, Box<dyn Query>);

/// Ids above this do not fit the composite sort keys.
const ID_BITS: u32 = 24;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    name: Field,
    chars: Field,
    text: Field,
    place: Field,
    py: Field,
    tags: Field,
    price: Field,
    price_key: Field,
    sales_key: Field,
    newest_key: Field,
    in_stock: Field,
}

/// A search over the index.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// Text query.
    pub text: Option<String>,
    /// Facet paths every result must have (category, region, certificate, programme, zone).
    pub facets: Vec<String>,
    /// Price range, fen.
    pub min_price: Option<i64>,
    /// Price range, fen.
    pub max_price: Option<i64>,
    /// Only products in stock.
    pub in_stock: bool,
    /// Order.
    pub sort: SortBy,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: usize,
    /// Count children of these facet paths too (e.g. the cities of a chosen province).
    pub drill: Vec<String>,
}

/// What a search found.
#[derive(Debug, Clone, Default)]
pub struct SearchHits {
    /// Product ids of the page, in order.
    pub ids: Vec<i64>,
    /// Matching products in all.
    pub total: u64,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
    /// Counts per facet path (`/cat/<id>`, `/region/<code>`, `/cert/<kind>`, `/prog/<p>`).
    pub facets: Vec<(String, u64)>,
}

/// The in-memory product index of this instance.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    synced_until: Mutex<Option<DateTime<Utc>>>,
    sync_lock: tokio::sync::Mutex<()>,
    generation: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("docs", &self.reader.searcher().num_docs())
            .finish()
    }
}

/// The jieba tokenizer as registered in the index.
fn jieba() -> TextAnalyzer {
    TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::new())
        .filter(tantivy::tokenizer::LowerCaser)
        .build()
}

/// One token per Chinese character (and per run of Latin letters or digits), with positions:
/// a phrase over it finds any substring, such as 橙 in 脐橙, whatever jieba's cut.
fn chars() -> anyhow::Result<TextAnalyzer> {
    Ok(
        TextAnalyzer::builder(tantivy::tokenizer::RegexTokenizer::new(
            r"\p{Han}|[\p{L}\p{N}]+",
        )?)
        .filter(tantivy::tokenizer::LowerCaser)
        .build(),
    )
}

/// Words of a text as jieba cuts them (for pinyin).
fn words(text: &str) -> Vec<String> {
    let mut analyzer =
        TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::with_search_mode(false)).build();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let t = stream.token().text.trim().to_owned();
        if !t.is_empty() {
            out.push(t);
        }
    }
    out
}

/// Full pinyin and initials of each Chinese word and of the whole text: 百色芒果 ->
/// `baise bs mangguo mg baisemangguo bsmg`.
#[must_use]
pub fn pinyin_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut whole = String::new();
    let mut whole_initials = String::new();
    for word in words(text) {
        let mut full = String::new();
        let mut initials = String::new();
        for p in word.as_str().to_pinyin().flatten() {
            full.push_str(p.plain());
            initials.push_str(p.first_letter());
        }
        if !full.is_empty() {
            whole.push_str(&full);
            whole_initials.push_str(&initials);
            out.push(full);
            out.push(initials);
        }
    }
    if !whole.is_empty() {
        out.push(whole);
        out.push(whole_initials);
    }
    out
}

/// Full pinyin of every run of one to four Chinese characters of a text: 百色芒果 -> `bai se
/// mang guo baise semang mangguo baisemang semangguo baisemangguo`, so that `mangguo` finds
/// what 芒果 finds as a run of characters of a name. Digits, Latin letters, spaces and
/// punctuation end a run. Initials are left to [`pinyin_tokens`]: those of short runs would
/// match far too much.
#[must_use]
pub fn pinyin_grams(text: &str) -> Vec<String> {
    const LONGEST: usize = 4;
    let mut runs: Vec<Vec<&'static str>> = vec![Vec::new()];
    for p in text.to_pinyin() {
        match p {
            Some(p) => {
                if let Some(run) = runs.last_mut() {
                    run.push(p.plain());
                }
            }
            None => runs.push(Vec::new()),
        }
    }
    let mut out = Vec::new();
    for run in runs.iter().filter(|r| !r.is_empty()) {
        for start in 0..run.len() {
            for end in start + 1..=run.len().min(start + LONGEST) {
                out.push(run[start..end].concat());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// [`pinyin_grams`] of each word of a text as jieba cuts it: `mangguo` finds a description
/// that a Chinese 芒果 finds (a word of it), without runs across words that no Chinese query
/// would match there.
#[must_use]
pub fn pinyin_word_grams(text: &str) -> Vec<String> {
    let mut out: Vec<String> = words(text).iter().flat_map(|w| pinyin_grams(w)).collect();
    out.sort();
    out.dedup();
    out
}

/// The composite sort key: the value in the high bits, the id in the low ones, so that keys
/// are unique and keyset pagination never skips or repeats a product.
fn key(value: i64, id: i64) -> i64 {
    (value.max(0) << ID_BITS) | (id & ((1 << ID_BITS) - 1))
}

impl SearchIndex {
    /// An empty index.
    ///
    /// # Errors
    /// When tantivy cannot create it (memory).
    pub fn new() -> anyhow::Result<Self> {
        let mut b = Schema::builder();
        let jieba_text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("jieba")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let plain = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("default")
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            id: b.add_i64_field("id", INDEXED | FAST | STORED),
            name: b.add_text_field("name", jieba_text.clone()),
            chars: b.add_text_field(
                "chars",
                TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer("chars")
                        .set_index_option(IndexRecordOption::WithFreqsAndPositions),
                ),
            ),
            text: b.add_text_field("text", jieba_text.clone()),
            place: b.add_text_field("place", jieba_text),
            py: b.add_text_field("py", plain),
            tags: b.add_facet_field("tags", FacetOptions::default()),
            price: b.add_i64_field("price", INDEXED | FAST),
            price_key: b.add_i64_field("price_key", INDEXED | FAST),
            sales_key: b.add_i64_field("sales_key", INDEXED | FAST),
            newest_key: b.add_i64_field("newest_key", INDEXED | FAST),
            in_stock: b.add_u64_field("in_stock", INDEXED | FAST),
        };
        let index = Index::create_in_ram(b.build());
        index.tokenizers().register("jieba", jieba());
        index.tokenizers().register("chars", chars()?);
        let writer = index.writer_with_num_threads(1, 50_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            synced_until: Mutex::new(None),
            sync_lock: tokio::sync::Mutex::new(()),
            generation: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Grows each time the index changes: part of cached list keys, so that a list cached
    /// before this instance's index caught up is not served after.
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Products in the index.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the index is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn document(&self, loaded: &Loaded, p: &products::Model, today: NaiveDate) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.id, p.id);
        doc.add_text(f.name, &p.name);
        doc.add_text(f.chars, &p.name);
        let categories = loaded.category_path(p.category_id);
        let category_names: Vec<&str> = categories.iter().map(|c| c.name.as_str()).collect();
        let text = format!(
            "{} {} {} {}",
            p.subtitle.as_deref().unwrap_or(""),
            category_names.join(" "),
            p.producer_name,
            strip_tags(&p.description_html)
        );
        doc.add_text(f.text, &text);
        let regions = loaded.region_path(&p.origin_county_code);
        let place: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
        doc.add_text(f.place, place.join(" "));
        let mut py = pinyin_tokens(&p.name);
        for r in &regions {
            py.extend(pinyin_tokens(
                r.name.trim_end_matches(['省', '市', '县', '区']),
            ));
        }
        for c in &category_names {
            py.extend(pinyin_tokens(c));
        }
        // whatever a Chinese query matches (runs of the name, words of the other text), in pinyin
        py.extend(pinyin_grams(&p.name));
        py.extend(pinyin_word_grams(&text));
        doc.add_text(f.py, py.join(" "));
        let cat_path: Vec<String> = categories.iter().map(|c| c.id.to_string()).collect();
        if !cat_path.is_empty() {
            doc.add_facet(
                f.tags,
                Facet::from_path(std::iter::once("cat".to_owned()).chain(cat_path)),
            );
        }
        let region_path: Vec<String> = regions.iter().map(|r| r.code.clone()).collect();
        if !region_path.is_empty() {
            doc.add_facet(
                f.tags,
                Facet::from_path(std::iter::once("region".to_owned()).chain(region_path)),
            );
        }
        let card = loaded.card(p, today);
        for kind in &card.cert_kinds {
            doc.add_facet(f.tags, Facet::from_path(["cert", kind.as_str()]));
        }
        for prog in loaded.facts(p).programmes_on(today) {
            doc.add_facet(f.tags, Facet::from_path(["prog", prog.as_str()]));
        }
        if card.assistance_eligible {
            doc.add_facet(f.tags, Facet::from_path(["assist", "yes"]));
        }
        let price = card.price_min_fen.fen();
        doc.add_i64(f.price, price);
        doc.add_i64(f.price_key, key(price, p.id));
        doc.add_i64(f.sales_key, key(p.sales_count, p.id));
        doc.add_i64(
            f.newest_key,
            key(p.listed_at.map_or(0, |t| t.timestamp()), p.id),
        );
        doc.add_u64(f.in_stock, u64::from(card.in_stock));
        doc
    }

    /// Re-indexes the products changed since the last sync (all of them the first time).
    /// Products no longer listed leave the index. Safe to call from several tasks.
    ///
    /// # Errors
    /// Database or index errors.
    pub async fn sync(&self, conn: &impl ConnectionTrait) -> Result<usize, AppError> {
        let _guard = self.sync_lock.lock().await;
        let since = *self
            .synced_until
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?;
        // Read the clock before the query: anything committed later is caught next time. A
        // margin covers transactions that committed late with an earlier timestamp.
        let started = Utc::now();
        let mut query = products::Entity::find()
            .select_only()
            .column(products::Column::Id)
            .column(products::Column::Status);
        if let Some(since) = since {
            query =
                query.filter(products::Column::UpdatedAt.gte(since - chrono::Duration::seconds(5)));
        }
        let changed: Vec<(i64, ProductStatus)> = query.into_tuple().all(conn).await?;
        if changed.is_empty() && since.is_some() {
            *self
                .synced_until
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))? = Some(started);
            return Ok(0);
        }
        let listed: Vec<i64> = changed
            .iter()
            .filter(|(_, s)| *s == ProductStatus::Listed)
            .map(|(id, _)| *id)
            .collect();
        let mut loaded_all = Vec::new();
        for chunk in listed.chunks(2000) {
            loaded_all.push(read::load(conn, chunk, false).await?);
        }
        let today = crate::time::business_date(Utc::now());
        let docs: Vec<TantivyDocument> = loaded_all
            .iter()
            .flat_map(|l| l.products.iter().map(move |p| (l, p)))
            .map(|(l, p)| self.document(l, p, today))
            .collect();
        {
            let writer = self
                .writer
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?;
            if since.is_none() {
                writer
                    .delete_all_documents()
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            } else {
                for (id, _) in &changed {
                    writer.delete_term(Term::from_field_i64(self.fields.id, *id));
                }
            }
            for doc in docs {
                writer
                    .add_document(doc)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
        }
        let n = changed.len();
        let mut writer = self
            .writer
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?;
        writer.commit().map_err(|e| anyhow::anyhow!("{e}"))?;
        drop(writer);
        self.reader.reload().map_err(|e| anyhow::anyhow!("{e}"))?;
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        *self
            .synced_until
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))? = Some(started);
        Ok(n)
    }

    /// Forgets what was synced, so the next sync rebuilds everything (e.g. at midnight, when
    /// certificates may have lapsed without a write).
    pub fn invalidate(&self) {
        if let Ok(mut s) = self.synced_until.lock() {
            *s = None;
        }
    }

    fn text_query(&self, text: &str) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Chinese (or any) words: each must appear in the name, the other text or the place.
        let mut analyzer = jieba();
        let mut stream = analyzer.token_stream(text);
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut seen = HashSet::new();
        while stream.advance() {
            let token = stream.token().text.trim().to_owned();
            if token.is_empty()
                || !seen.insert(token.clone())
                || token
                    .chars()
                    .all(|c| c.is_ascii_punctuation() || c.is_whitespace())
            {
                continue;
            }
            let mut any_field: Vec<(Occur, Box<dyn Query>)> =
                [(f.name, 3.0f32), (f.text, 1.0), (f.place, 2.0)]
                    .iter()
                    .map(|(field, boost)| {
                        let q: Box<dyn Query> = Box::new(TermQuery::new(
                            Term::from_field_text(*field, &token),
                            IndexRecordOption::WithFreqs,
                        ));
                        (
                            Occur::Should,
                            Box::new(BoostQuery::new(q, *boost)) as Box<dyn Query>,
                        )
                    })
                    .collect();
            // The same word as a run of characters anywhere in the name.
            let mut char_analyzer = chars().ok()?;
            let mut cs = char_analyzer.token_stream(&token);
            let mut terms = Vec::new();
            while cs.advance() {
                terms.push(Term::from_field_text(f.chars, &cs.token().text));
            }
            let substring: Option<Box<dyn Query>> = match terms.len() {
                0 => None,
                1 => terms.pop().map(|t| {
                    Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)) as Box<dyn Query>
                }),
                _ => Some(Box::new(tantivy::query::PhraseQuery::new(terms))),
            };
            if let Some(q) = substring {
                any_field.push((Occur::Should, Box::new(BoostQuery::new(q, 1.5))));
            }
            must.push((Occur::Must, Box::new(BooleanQuery::new(any_field))));
        }
        if !must.is_empty() {
            alternatives.push((Occur::Should, Box::new(BooleanQuery::new(must))));
        }
        // Pinyin or initials, when the query is Latin letters: every word must match.
        let lower = text.to_lowercase();
        if lower
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c.is_whitespace())
        {
            let parts: Vec<(Occur, Box<dyn Query>)> = lower
                .split_whitespace()
                .map(|w| {
                    (
                        Occur::Must,
                        Box::new(TermQuery::new(
                            Term::from_field_text(f.py, w),
                            IndexRecordOption::WithFreqs,
                        )) as Box<dyn Query>,
                    )
                })
                .collect();
            if !parts.is_empty() {
                alternatives.push((Occur::Should, Box::new(BooleanQuery::new(parts))));
            }
        }
        if alternatives.is_empty() {
            None
        } else {
            Some(Box::new(BooleanQuery::new(alternatives)))
        }
    }

    fn filters(&self, req: &SearchRequest) -> Result<Vec<Clause>, AppError> {
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for path in &req.facets {
            let facet = Facet::from_text(path)
                .map_err(|_| AppError::new(ErrorCode::InvalidQuery, "筛选条件有误 / bad filter"))?;
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_facet(f.tags, &facet),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if req.min_price.is_some() || req.max_price.is_some() {
            let lower = req.min_price.map_or(Bound::Unbounded, |v| {
                Bound::Included(Term::from_field_i64(f.price, v))
            });
            let upper = req.max_price.map_or(Bound::Unbounded, |v| {
                Bound::Included(Term::from_field_i64(f.price, v))
            });
            clauses.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
        }
        if req.in_stock {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(f.in_stock, 1),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        Ok(clauses)
    }

    /// Runs a search: one page of ids, the total, facet counts and the next cursor.
    ///
    /// # Errors
    /// 400 `invalid_cursor` or `invalid_query`; index errors.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchHits, AppError> {
        let f = self.fields;
        let searcher = self.reader.searcher();
        let text = req.text.as_deref().and_then(|t| self.text_query(t));
        let mut base = self.filters(req)?;
        if let Some(t) = text {
            base.push((Occur::Must, t));
        }
        let sort = if req.text.as_deref().is_some_and(|t| !t.trim().is_empty())
            && req.sort == SortBy::Relevance
        {
            SortBy::Relevance
        } else if req.sort == SortBy::Relevance {
            SortBy::Sales
        } else {
            req.sort
        };
        let filtered: Box<dyn Query> = if base.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(
                base.iter().map(|(o, q)| (*o, q.box_clone())).collect(),
            ))
        };

        // Count the children of each root, or of the chosen value when the user drilled into
        // one (the cities of a chosen province). tantivy counts one level under each path and
        // refuses a path below another.
        let roots: Vec<String> = ["/cat", "/region", "/cert", "/prog"]
            .iter()
            .map(|root| {
                req.drill
                    .iter()
                    .filter(|d| d.starts_with(&format!("{root}/")))
                    .max_by_key(|d| d.len())
                    .cloned()
                    .unwrap_or_else(|| (*root).to_owned())
            })
            .collect();
        let mut facet_collector = FacetCollector::for_field("tags");
        for path in &roots {
            facet_collector.add_facet(path.as_str());
        }
        let (total, facet_counts) = searcher
            .search(filtered.as_ref(), &(Count, facet_collector))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut facets = Vec::new();
        for path in &roots {
            for (facet, count) in facet_counts.get(path.as_str()) {
                facets.push((facet.to_string(), count));
            }
        }
        let limit = req.limit.clamp(1, 100);
        let (ids, next_cursor) = match sort {
            SortBy::Relevance => {
                let offset = match req.cursor.as_deref() {
                    None => 0,
                    Some(c) => decode_cursor(c, 'o')? as usize,
                };
                let top = searcher
                    .search(
                        filtered.as_ref(),
                        &TopDocs::with_limit(limit)
                            .and_offset(offset)
                            .order_by_score(),
                    )
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let ids = self.ids_of(&searcher, top.iter().map(|(_, a)| *a))?;
                let next = (offset + ids.len() < total && ids.len() == limit)
                    .then(|| encode_cursor('o', (offset + limit) as i64));
                (ids, next)
            }
            sorted => {
                let (field, name, order) = match sorted {
                    SortBy::PriceAsc => (f.price_key, "price_key", Order::Asc),
                    SortBy::PriceDesc => (f.price_key, "price_key", Order::Desc),
                    SortBy::Newest => (f.newest_key, "newest_key", Order::Desc),
                    _ => (f.sales_key, "sales_key", Order::Desc),
                };
                let mut clauses = base;
                if let Some(c) = req.cursor.as_deref() {
                    let after = decode_cursor(c, 'k')?;
                    let range = if order == Order::Asc {
                        RangeQuery::new(
                            Bound::Excluded(Term::from_field_i64(field, after)),
                            Bound::Unbounded,
                        )
                    } else {
                        RangeQuery::new(
                            Bound::Unbounded,
                            Bound::Excluded(Term::from_field_i64(field, after)),
                        )
                    };
                    clauses.push((Occur::Must, Box::new(range)));
                }
                let query: Box<dyn Query> = if clauses.is_empty() {
                    Box::new(AllQuery)
                } else {
                    Box::new(BooleanQuery::new(clauses))
                };
                let top = searcher
                    .search(
                        query.as_ref(),
                        &TopDocs::with_limit(limit).order_by_fast_field::<i64>(name, order),
                    )
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let ids = self.ids_of(&searcher, top.iter().map(|(_, a)| *a))?;
                let next = if top.len() == limit {
                    top.last()
                        .and_then(|(k, _)| *k)
                        .map(|k| encode_cursor('k', k))
                } else {
                    None
                };
                (ids, next)
            }
        };
        Ok(SearchHits {
            ids,
            total: total as u64,
            next_cursor,
            facets,
        })
    }

    fn ids_of(
        &self,
        searcher: &Searcher,
        addrs: impl Iterator<Item = DocAddress>,
    ) -> Result<Vec<i64>, AppError> {
        let mut out = Vec::new();
        for addr in addrs {
            let column = searcher
                .segment_reader(addr.segment_ord)
                .fast_fields()
                .i64("id")
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if let Some(id) = column.first(addr.doc_id) {
                out.push(id);
            } else {
                let doc: TantivyDocument =
                    searcher.doc(addr).map_err(|e| anyhow::anyhow!("{e}"))?;
                if let Some(id) = doc.get_first(self.fields.id).and_then(|v| v.as_i64()) {
                    out.push(id);
                }
            }
        }
        Ok(out)
    }

    /// Whether the index has no schema problems (used at start).
    #[must_use]
    pub fn schema(&self) -> Schema {
        self.index.schema()
    }
}

fn encode_cursor(kind: char, value: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{value}"))
}

fn decode_cursor(text: &str, kind: char) -> Result<i64, AppError> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.strip_prefix(&format!("{kind}:"))
                .and_then(|v| v.parse().ok())
        })
        .filter(|v: &i64| *v >= 0)
        .ok_or_else(|| AppError::new(ErrorCode::InvalidCursor, "分页游标无效 / invalid cursor"))
}

/// Drops HTML tags from a description for indexing.
#[must_use]
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Facet counts as the API shows them, labelled.
#[must_use]
pub fn label_facets(hits: &SearchHits, label: impl Fn(&str, &str) -> String) -> Facets {
    let mut facets = Facets::default();
    for (path, count) in &hits.facets {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let (Some(root), Some(value)) = (parts.first(), parts.last()) else {
            continue;
        };
        if parts.len() < 2 {
            continue;
        }
        let entry = FacetCount {
            value: (*value).to_owned(),
            label: label(root, value),
            count: *count,
        };
        match *root {
            "cat" => facets.categories.push(entry),
            "region" => facets.regions.push(entry),
            "cert" => facets.certificates.push(entry),
            "prog" => facets.programmes.push(entry),
            _ => {}
        }
    }
    facets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_of_words_and_whole() {
        let t = pinyin_tokens("百色芒果");
        for want in ["mangguo", "mg", "baisemangguo", "bsmg"] {
            assert!(t.contains(&want.to_owned()), "{want} in {t:?}");
        }
    }

    #[test]
    fn pinyin_grams_cover_runs_of_characters() {
        let g = pinyin_grams("百色芒果（田阳香芒）");
        for w in [
            "mang",
            "mangguo",
            "semang",
            "baisemangguo",
            "tianyang",
            "xiangmang",
        ] {
            assert!(g.contains(&w.to_owned()), "{w} in {g:?}");
        }
        // no run across punctuation or digits, none longer than four characters
        assert!(!g.contains(&"guotian".to_owned()), "{g:?}");
        assert!(!g.contains(&"baisemangguotian".to_owned()), "{g:?}");
        let g = pinyin_grams("5斤装");
        assert!(
            g.iter().all(|w| w.chars().all(|c| c.is_ascii_lowercase())),
            "{g:?}"
        );
        // in other text, runs stay within a word
        let g = pinyin_word_grams("兴国县赣南脐橙贸易有限公司");
        assert!(g.contains(&"qicheng".to_owned()), "{g:?}");
    }

    #[test]
    fn keys_order_by_value_then_id() {
        assert!(key(100, 5) < key(100, 6));
        assert!(key(100, 999) < key(101, 1));
        assert_eq!(
            decode_cursor(&encode_cursor('k', key(3, 4)), 'k').ok(),
            Some(key(3, 4))
        );
        assert!(decode_cursor(&encode_cursor('o', 3), 'k').is_err());
        assert_eq!(strip_tags("<p>甜<b>芒果</b></p>").trim(), "甜 芒果");
    }
}
