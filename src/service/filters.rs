//! Filters: what a user asks not to see, or to see behind a warning. A
//! filter has a title, the contexts it applies in (`home`, `notifications`,
//! `public`, `thread`, `account`), an action (`warn`, `hide`, `blur`), an
//! optional expiry, keywords (whole words or not) and single posts. Version
//! 1 of the API sees each keyword as a filter of its own.
//! <https://docs.joinmastodon.org/methods/filters/>

use chrono::{DateTime, Duration, Utc};

use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::model::{
    Account, Filter, FilterContext, FilterKeyword, FilterStatus, FullFilter, Json, Status,
};

/// Limits on what one user keeps.
pub const MAX_FILTERS: usize = 100;
pub const MAX_KEYWORDS: usize = 100;
pub const MAX_STATUSES: usize = 1000;
pub const MAX_TITLE: usize = 256;
pub const MAX_KEYWORD: usize = 512;

/// A keyword as a create or update names it: a new one (no id), a change
/// to one (id), or its removal (`destroy`).
#[derive(Debug, Clone, Default)]
pub struct KeywordChange {
    pub id: Option<i64>,
    pub keyword: Option<String>,
    pub whole_word: Option<bool>,
    pub destroy: bool,
}

/// A filter as `POST` or `PUT /api/v2/filters` carries it; absent fields
/// keep their value on update.
#[derive(Debug, Clone, Default)]
pub struct FilterDraft {
    pub title: Option<String>,
    pub context: Option<Vec<String>>,
    pub action: Option<String>,
    /// `Some(None)`: never expires; `Some(Some(s))`: in `s` seconds.
    pub expires_in: Option<Option<i64>>,
    pub keywords: Vec<KeywordChange>,
}

/// Every filter of `account`.
pub async fn list(app: &AppState, account: &Account) -> Result<Vec<FullFilter>> {
    Ok(app.store.account_filters(account.id).await?.to_vec())
}

/// One of `account`'s filters (others' are 404).
pub async fn get(app: &AppState, account: &Account, id: i64) -> Result<FullFilter> {
    app.store
        .account_filters(account.id)
        .await?
        .iter()
        .find(|f| f.filter.id == id)
        .cloned()
        .ok_or_else(Error::not_found)
}

fn check_title(v: &mut Validation, title: &str) {
    if title.trim().is_empty() {
        v.add("title", "ERR_BLANK", "can't be blank");
    } else if title.chars().count() > MAX_TITLE {
        v.add(
            "title",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_TITLE} characters)"),
        );
    }
}

fn check_context(v: &mut Validation, context: &[String]) {
    if context.is_empty() {
        v.add("context", "ERR_BLANK", "can't be blank");
    } else if context
        .iter()
        .any(|c| !FilterContext::ALL.contains(&c.as_str()))
    {
        v.add("context", "ERR_INVALID", "None or invalid context supplied");
    }
}

fn check_keyword(v: &mut Validation, keyword: &str) {
    if keyword.trim().is_empty() {
        v.add("keyword", "ERR_BLANK", "can't be blank");
    } else if keyword.chars().count() > MAX_KEYWORD {
        v.add(
            "keyword",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_KEYWORD} characters)"),
        );
    }
}

fn expiry(v: &mut Validation, seconds: Option<i64>) -> Option<DateTime<Utc>> {
    let s = seconds?;
    if !(1..=10 * 365 * 86_400).contains(&s) {
        v.add("expires_in", "ERR_INVALID", "is invalid");
        return None;
    }
    Some(Utc::now() + Duration::seconds(s))
}

fn dedup_context(mut context: Vec<String>) -> Vec<String> {
    let mut seen = Vec::new();
    context.retain(|c| {
        let new = !seen.contains(c);
        seen.push(c.clone());
        new
    });
    context
}

/// Creates a filter with its keywords.
pub async fn create(app: &AppState, account: &Account, d: FilterDraft) -> Result<FullFilter> {
    let mut v = Validation::new();
    let title = d.title.unwrap_or_default();
    check_title(&mut v, &title);
    let context = dedup_context(d.context.unwrap_or_default());
    check_context(&mut v, &context);
    let action = d.action.unwrap_or_else(|| "warn".into());
    if !matches!(action.as_str(), "warn" | "hide" | "blur") {
        v.add(
            "filter_action",
            "ERR_INCLUSION",
            "is not included in the list",
        );
    }
    let expires_at = expiry(&mut v, d.expires_in.flatten());
    let mut add = Vec::new();
    for k in d.keywords.iter().filter(|k| !k.destroy) {
        let keyword = k.keyword.clone().unwrap_or_default();
        check_keyword(&mut v, &keyword);
        add.push((keyword.trim().to_string(), k.whole_word.unwrap_or(true)));
    }
    if add.len() > MAX_KEYWORDS {
        v.add(
            "keywords",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_KEYWORDS})"),
        );
    }
    if app.store.account_filters(account.id).await?.len() >= MAX_FILTERS {
        v.add(
            "base",
            "ERR_TOO_MANY",
            format!("You cannot have more than {MAX_FILTERS} filters"),
        );
    }
    v.finish()?;
    let filter = Filter {
        id: crate::id::new_id(),
        account_id: account.id,
        title: title.trim().to_string(),
        context: Json(context),
        action,
        expires_at,
        created_at: Utc::now(),
    };
    app.store.put_filter(&filter, &[], &add).await?;
    changed(app, account);
    get(app, account, filter.id).await
}

/// Changes a filter: the fields given, and its keywords as listed (new
/// ones added, named ones changed or, with `destroy`, removed).
pub async fn update(
    app: &AppState,
    account: &Account,
    id: i64,
    d: FilterDraft,
) -> Result<FullFilter> {
    let current = get(app, account, id).await?;
    let mut v = Validation::new();
    let mut filter = current.filter.clone();
    if let Some(title) = d.title {
        check_title(&mut v, &title);
        filter.title = title.trim().to_string();
    }
    if let Some(context) = d.context {
        let context = dedup_context(context);
        check_context(&mut v, &context);
        filter.context = Json(context);
    }
    if let Some(action) = d.action {
        if !matches!(action.as_str(), "warn" | "hide" | "blur") {
            v.add(
                "filter_action",
                "ERR_INCLUSION",
                "is not included in the list",
            );
        }
        filter.action = action;
    }
    if let Some(expires_in) = d.expires_in {
        filter.expires_at = expiry(&mut v, expires_in);
    }
    let mut keep = current.keywords.clone();
    let mut add = Vec::new();
    for k in &d.keywords {
        match k.id {
            Some(kid) => {
                let Some(pos) = keep.iter().position(|x| x.id == kid) else {
                    return Err(Error::not_found());
                };
                if k.destroy {
                    keep.remove(pos);
                    continue;
                }
                if let Some(word) = &k.keyword {
                    check_keyword(&mut v, word);
                    keep[pos].keyword = word.trim().to_string();
                }
                if let Some(w) = k.whole_word {
                    keep[pos].whole_word = w;
                }
            }
            None if k.destroy => {}
            None => {
                let keyword = k.keyword.clone().unwrap_or_default();
                check_keyword(&mut v, &keyword);
                add.push((keyword.trim().to_string(), k.whole_word.unwrap_or(true)));
            }
        }
    }
    if keep.len() + add.len() > MAX_KEYWORDS {
        v.add(
            "keywords",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_KEYWORDS})"),
        );
    }
    v.finish()?;
    app.store.put_filter(&filter, &keep, &add).await?;
    changed(app, account);
    get(app, account, id).await
}

pub async fn delete(app: &AppState, account: &Account, id: i64) -> Result<()> {
    if !app.store.delete_filter(account.id, id).await? {
        return Err(Error::not_found());
    }
    changed(app, account);
    Ok(())
}

/// The filter holding keyword `keyword_id` of `account`, and the keyword.
pub async fn keyword(
    app: &AppState,
    account: &Account,
    keyword_id: i64,
) -> Result<(FullFilter, FilterKeyword)> {
    let all = app.store.account_filters(account.id).await?;
    for f in all.iter() {
        if let Some(k) = f.keywords.iter().find(|k| k.id == keyword_id) {
            return Ok((f.clone(), k.clone()));
        }
    }
    Err(Error::not_found())
}

/// Adds a keyword to filter `filter_id`.
pub async fn add_keyword(
    app: &AppState,
    account: &Account,
    filter_id: i64,
    word: &str,
    whole_word: bool,
) -> Result<FilterKeyword> {
    let f = get(app, account, filter_id).await?;
    let mut v = Validation::new();
    check_keyword(&mut v, word);
    if f.keywords.len() >= MAX_KEYWORDS {
        v.add(
            "keyword",
            "ERR_TOO_MANY",
            format!("A filter has at most {MAX_KEYWORDS} keywords"),
        );
    }
    v.finish()?;
    let k = FilterKeyword {
        id: crate::id::new_id(),
        filter_id,
        keyword: word.trim().to_string(),
        whole_word,
    };
    app.store.put_filter_keyword(account.id, &k).await?;
    changed(app, account);
    Ok(k)
}

/// Changes keyword `id`.
pub async fn update_keyword(
    app: &AppState,
    account: &Account,
    id: i64,
    word: Option<&str>,
    whole_word: Option<bool>,
) -> Result<FilterKeyword> {
    let (_, mut k) = keyword(app, account, id).await?;
    if let Some(word) = word {
        let mut v = Validation::new();
        check_keyword(&mut v, word);
        v.finish()?;
        k.keyword = word.trim().to_string();
    }
    if let Some(w) = whole_word {
        k.whole_word = w;
    }
    app.store.put_filter_keyword(account.id, &k).await?;
    changed(app, account);
    Ok(k)
}

pub async fn delete_keyword(app: &AppState, account: &Account, id: i64) -> Result<()> {
    keyword(app, account, id).await?;
    app.store.delete_filter_keyword(account.id, id).await?;
    changed(app, account);
    Ok(())
}

/// The filter holding post entry `id` of `account`, and the entry.
pub async fn status_entry(
    app: &AppState,
    account: &Account,
    id: i64,
) -> Result<(FullFilter, FilterStatus)> {
    let all = app.store.account_filters(account.id).await?;
    for f in all.iter() {
        if let Some(s) = f.statuses.iter().find(|s| s.id == id) {
            return Ok((f.clone(), s.clone()));
        }
    }
    Err(Error::not_found())
}

/// Adds post `status_id` (one `account` may see) to filter `filter_id`.
pub async fn add_status(
    app: &AppState,
    account: &Account,
    filter_id: i64,
    status_id: i64,
) -> Result<FilterStatus> {
    let f = get(app, account, filter_id).await?;
    // A post the user cannot see answers as a missing one.
    crate::service::statuses::visible_status(app, Some(account), status_id).await?;
    let mut v = Validation::new();
    if f.statuses.iter().any(|s| s.status_id == status_id) {
        v.add("status_id", "ERR_TAKEN", "has already been taken");
    } else if f.statuses.len() >= MAX_STATUSES {
        v.add(
            "status_id",
            "ERR_TOO_MANY",
            format!("A filter has at most {MAX_STATUSES} posts"),
        );
    }
    v.finish()?;
    let s = FilterStatus {
        id: crate::id::new_id(),
        filter_id,
        status_id,
    };
    app.store.put_filter_status(account.id, &s).await?;
    changed(app, account);
    Ok(s)
}

pub async fn delete_status(app: &AppState, account: &Account, id: i64) -> Result<()> {
    status_entry(app, account, id).await?;
    app.store.delete_filter_status(account.id, id).await?;
    changed(app, account);
    Ok(())
}

/// Tells `account`'s streaming clients their filters changed.
fn changed(app: &AppState, account: &Account) {
    app.bus.publish(crate::bus::Event::FiltersChanged {
        account_id: account.id,
    });
}

/// Version 1: a filter with one keyword, as `POST /api/v1/filters` makes it.
pub struct V1Draft {
    pub phrase: Option<String>,
    pub context: Option<Vec<String>>,
    pub irreversible: Option<bool>,
    pub whole_word: Option<bool>,
    pub expires_in: Option<Option<i64>>,
}

/// Version 1's list: every keyword, with its filter.
pub async fn list_v1(
    app: &AppState,
    account: &Account,
) -> Result<Vec<(FullFilter, FilterKeyword)>> {
    let all = app.store.account_filters(account.id).await?;
    Ok(all
        .iter()
        .flat_map(|f| f.keywords.iter().map(move |k| (f.clone(), k.clone())))
        .collect())
}

pub async fn create_v1(
    app: &AppState,
    account: &Account,
    d: V1Draft,
) -> Result<(FullFilter, FilterKeyword)> {
    let phrase = d.phrase.unwrap_or_default();
    let mut v = Validation::new();
    check_keyword(&mut v, &phrase);
    if let Err(mut e) = v.finish() {
        // Version 1 names the field `phrase`.
        if let Some(d) = e.details.remove("keyword") {
            e.details.insert("phrase".into(), d);
        }
        e.message = e.message.replace("Keyword", "Phrase");
        return Err(e);
    }
    let f = create(
        app,
        account,
        FilterDraft {
            title: Some(phrase.clone()),
            context: d.context,
            action: Some(
                if d.irreversible == Some(true) {
                    "hide"
                } else {
                    "warn"
                }
                .into(),
            ),
            expires_in: d.expires_in,
            keywords: vec![KeywordChange {
                keyword: Some(phrase),
                whole_word: d.whole_word,
                ..Default::default()
            }],
        },
    )
    .await?;
    let k = f.keywords.first().cloned().ok_or_else(Error::not_found)?;
    Ok((f, k))
}

/// Version 1's update of keyword `id` and its filter.
pub async fn update_v1(
    app: &AppState,
    account: &Account,
    id: i64,
    d: V1Draft,
) -> Result<(FullFilter, FilterKeyword)> {
    let (f, _) = keyword(app, account, id).await?;
    let action = d
        .irreversible
        .map(|i| if i { "hide" } else { "warn" }.to_string());
    update(
        app,
        account,
        f.filter.id,
        FilterDraft {
            title: None,
            context: d.context,
            action,
            expires_in: d.expires_in,
            keywords: vec![KeywordChange {
                id: Some(id),
                keyword: d.phrase,
                whole_word: d.whole_word,
                destroy: false,
            }],
        },
    )
    .await?;
    keyword(app, account, id).await
}

/// Version 1's delete: the keyword, and its filter when it was the last.
pub async fn delete_v1(app: &AppState, account: &Account, id: i64) -> Result<()> {
    let (f, _) = keyword(app, account, id).await?;
    if f.keywords.len() == 1 && f.statuses.is_empty() {
        delete(app, account, f.filter.id).await
    } else {
        delete_keyword(app, account, id).await
    }
}

/// How one filter matched one post.
#[derive(Debug, Clone)]
pub struct Match {
    pub filter: FullFilter,
    pub keyword_matches: Vec<String>,
    pub status_matched: bool,
}

impl Match {
    pub fn hides(&self) -> bool {
        self.filter.filter.action == "hide"
    }
}

/// The filters of `viewer` that apply in `context` now (unexpired).
pub async fn active(
    app: &AppState,
    viewer: &Account,
    context: FilterContext,
) -> Result<Vec<FullFilter>> {
    let now = Utc::now();
    Ok(app
        .store
        .account_filters(viewer.id)
        .await?
        .iter()
        .filter(|f| {
            f.filter.expires_at.is_none_or(|t| t > now)
                && f.filter.context.0.iter().any(|c| c == context.as_str())
        })
        .cloned()
        .collect())
}

/// How `filters` match `status` (the post itself, not a boost of it): by
/// keyword in its text, content warning, poll options and media
/// descriptions, or by being one of a filter's posts.
pub fn matches(filters: &[FullFilter], status: &Status, extra_text: &[&str]) -> Vec<Match> {
    if filters.is_empty() {
        return Vec::new();
    }
    let mut text = crate::text::html_to_text(&status.content);
    text.push('\n');
    text.push_str(&status.spoiler_text);
    for t in extra_text {
        text.push('\n');
        text.push_str(t);
    }
    let text = text.to_lowercase();
    filters
        .iter()
        .filter_map(|f| {
            let keyword_matches: Vec<String> = f
                .keywords
                .iter()
                .filter(|k| contains_keyword(&text, &k.keyword.to_lowercase(), k.whole_word))
                .map(|k| k.keyword.clone())
                .collect();
            let status_matched = f.statuses.iter().any(|s| s.status_id == status.id);
            (status_matched || !keyword_matches.is_empty()).then(|| Match {
                filter: f.clone(),
                keyword_matches,
                status_matched,
            })
        })
        .collect()
}

/// Whether `text` contains `keyword` (both lower-cased); with `whole_word`
/// only where neither side continues a word (as Mastodon's `\b`).
fn contains_keyword(text: &str, keyword: &str, whole_word: bool) -> bool {
    if keyword.is_empty() {
        return false;
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut from = 0;
    while let Some(pos) = text[from..].find(keyword) {
        let start = from + pos;
        let end = start + keyword.len();
        if !whole_word {
            return true;
        }
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        // `\b` only applies at a side where the keyword itself has a word
        // character.
        let first = keyword.chars().next();
        let last = keyword.chars().next_back();
        let open = !word(first) || !word(before);
        let close = !word(last) || !word(after);
        if open && close {
            return true;
        }
        from = start + keyword.chars().next().map_or(1, char::len_utf8);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::contains_keyword;

    #[test]
    fn whole_words_match_only_whole_words() {
        assert!(contains_keyword("i like cats.", "cat", false));
        assert!(!contains_keyword("i like cats.", "cat", true));
        assert!(contains_keyword("a cat, two", "cat", true));
        assert!(contains_keyword("cat", "cat", true));
        assert!(contains_keyword("concatenate the cat", "cat", true));
        assert!(!contains_keyword("concatenate", "cat", true));
        assert!(contains_keyword("see #rust now", "#rust", true));
        assert!(contains_keyword("über straße", "straße", true));
        assert!(!contains_keyword("anything", "", false));
    }
}
