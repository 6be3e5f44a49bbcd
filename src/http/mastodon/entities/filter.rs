//! Filters: Filter, FilterKeyword, FilterStatus, FilterResult, and version
//! 1's V1::Filter. <https://docs.joinmastodon.org/entities/Filter/>

use serde::Serialize;

use super::timestamp;
use crate::model::{FilterKeyword, FilterStatus, FullFilter};
use crate::service::filters::Match;

/// <https://docs.joinmastodon.org/entities/FilterKeyword/>
#[derive(Debug, Clone, Serialize)]
pub struct FilterKeywordEntity {
    pub id: String,
    pub keyword: String,
    pub whole_word: bool,
}

pub fn filter_keyword(k: &FilterKeyword) -> FilterKeywordEntity {
    FilterKeywordEntity {
        id: k.id.to_string(),
        keyword: k.keyword.clone(),
        whole_word: k.whole_word,
    }
}

/// <https://docs.joinmastodon.org/entities/FilterStatus/>
#[derive(Debug, Clone, Serialize)]
pub struct FilterStatusEntity {
    pub id: String,
    pub status_id: String,
}

pub fn filter_status(s: &FilterStatus) -> FilterStatusEntity {
    FilterStatusEntity {
        id: s.id.to_string(),
        status_id: s.status_id.to_string(),
    }
}

/// <https://docs.joinmastodon.org/entities/Filter/>
#[derive(Debug, Clone, Serialize)]
pub struct FilterEntity {
    pub id: String,
    pub title: String,
    pub context: Vec<String>,
    pub expires_at: Option<String>,
    pub filter_action: String,
    pub keywords: Vec<FilterKeywordEntity>,
    pub statuses: Vec<FilterStatusEntity>,
}

pub fn filter(f: &FullFilter) -> FilterEntity {
    FilterEntity {
        id: f.filter.id.to_string(),
        title: f.filter.title.clone(),
        context: f.filter.context.0.clone(),
        expires_at: f.filter.expires_at.map(timestamp),
        filter_action: f.filter.action.clone(),
        keywords: f.keywords.iter().map(filter_keyword).collect(),
        statuses: f.statuses.iter().map(filter_status).collect(),
    }
}

/// <https://docs.joinmastodon.org/entities/FilterResult/>
#[derive(Debug, Clone, Serialize)]
pub struct FilterResultEntity {
    pub filter: FilterEntity,
    pub keyword_matches: Option<Vec<String>>,
    pub status_matches: Option<Vec<String>>,
}

pub fn filter_result(m: &Match, status_id: i64) -> FilterResultEntity {
    FilterResultEntity {
        filter: filter(&m.filter),
        keyword_matches: (!m.keyword_matches.is_empty()).then(|| m.keyword_matches.clone()),
        status_matches: m.status_matched.then(|| vec![status_id.to_string()]),
    }
}

/// <https://docs.joinmastodon.org/entities/V1_Filter/>
#[derive(Debug, Clone, Serialize)]
pub struct V1FilterEntity {
    pub id: String,
    pub phrase: String,
    pub context: Vec<String>,
    pub whole_word: bool,
    pub expires_at: Option<String>,
    pub irreversible: bool,
}

pub fn v1_filter(f: &FullFilter, k: &FilterKeyword) -> V1FilterEntity {
    V1FilterEntity {
        id: k.id.to_string(),
        phrase: k.keyword.clone(),
        context: f.filter.context.0.clone(),
        whole_word: k.whole_word,
        expires_at: f.filter.expires_at.map(timestamp),
        irreversible: f.filter.action == "hide",
    }
}
