//! Language names (in English) for language codes: ISO 639-1 (`en`),
//! ISO 639-3 (`nds`) or a locale (`pt-BR`, `zh_TW`).

use isolang::Language;

fn lookup(code: &str) -> Option<Language> {
    let base = code.split(['-', '_']).next().unwrap_or(code);
    let base = base.to_ascii_lowercase();
    match base.len() {
        2 => Language::from_639_1(&base),
        3 => Language::from_639_3(&base),
        _ => None,
    }
}

/// The English name of `code`'s language, with a locale's region kept
/// (`pt-BR` → "Portuguese (BR)"); the code itself when unknown.
pub fn name(code: &str) -> String {
    let Some(language) = lookup(code) else {
        return code.to_string();
    };
    match code.split_once(['-', '_']) {
        Some((_, region)) if !region.is_empty() => {
            format!("{} ({region})", language.to_name())
        }
        _ => language.to_name().to_string(),
    }
}

/// Every language with a two-letter code, as `(code, name)`, by code.
pub fn two_letter() -> Vec<(&'static str, &'static str)> {
    let mut all: Vec<(&str, &str)> = isolang::languages()
        .filter_map(|l| Some((l.to_639_1()?, l.to_name())))
        .collect();
    all.sort_unstable();
    all.dedup_by_key(|(code, _)| *code);
    all
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_read_from_codes_and_locales() {
        assert_eq!(super::name("en"), "English");
        assert_eq!(super::name("DE"), "German");
        assert_eq!(super::name("pt-BR"), "Portuguese (BR)");
        assert_eq!(super::name("nds"), "Low German");
        assert_eq!(super::name("xx"), "xx");
        assert_eq!(super::name(""), "");
        let all = super::two_letter();
        assert!(all.len() > 150, "{}", all.len());
        assert!(all.contains(&("fr", "French")));
    }
}
