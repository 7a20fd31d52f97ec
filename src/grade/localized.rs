//! Text written in both languages an exercise is taught in. Chinese falls back to English when absent.

use crate::lang::Lang;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    pub en: String,
    #[serde(rename = "zh-CN", default, skip_serializing_if = "Option::is_none")]
    pub zh_cn: Option<String>,
}

impl Localized {
    pub fn new(en: impl Into<String>, zh_cn: impl Into<String>) -> Self {
        Localized {
            en: en.into(),
            zh_cn: Some(zh_cn.into()),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match (lang, &self.zh_cn) {
            (Lang::ZhCn, Some(text)) => text,
            _ => &self.en,
        }
    }
}

/// Picks the English or the Chinese wording of a sentence built in code.
pub fn pick<T>(lang: Lang, en: T, zh_cn: T) -> T {
    match lang {
        Lang::En => en,
        Lang::ZhCn => zh_cn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_falls_back_to_english() {
        let both = Localized::new("hello", "你好");
        assert_eq!(both.get(Lang::ZhCn), "你好");
        assert_eq!(both.get(Lang::En), "hello");
        let english_only = Localized {
            en: "hello".into(),
            zh_cn: None,
        };
        assert_eq!(english_only.get(Lang::ZhCn), "hello");
        assert_eq!(pick(Lang::ZhCn, 1, 2), 2);
    }
}
